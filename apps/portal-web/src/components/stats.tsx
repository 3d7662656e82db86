// Headline numbers: a labelled list of figures.
import type { ReactNode } from "react";

export function Stats({ items }: { items: { label: string; value: ReactNode }[] }) {
  return (
    <dl className="stats">
      {items.map((item) => (
        <div key={item.label}>
          <dt>{item.label}</dt>
          <dd>{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}
