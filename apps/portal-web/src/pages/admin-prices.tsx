export function AdminPricesPage() {
  return (
    <div className="page">
      <h1>Model prices</h1>
    </div>
  );
}
