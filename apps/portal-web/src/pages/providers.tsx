export function ProvidersPage() {
  return (
    <div className="page">
      <h1>Providers</h1>
    </div>
  );
}
