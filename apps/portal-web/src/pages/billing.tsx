export function BillingPage() {
  return (
    <div className="page">
      <h1>Billing</h1>
    </div>
  );
}
