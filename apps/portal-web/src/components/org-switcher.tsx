// Pick the organization to work in; keeps the current page when switching.
import type { TOrgSummary } from "@gw/contracts";
import { useId } from "react";
import { Link, useLocation, useNavigate } from "react-router";

export function OrgSwitcher({ orgs, currentSlug }: { orgs: TOrgSummary[]; currentSlug: string | undefined }) {
  const id = useId();
  const navigate = useNavigate();
  const location = useLocation();
  const onChange = (slug: string) => {
    const rest = currentSlug ? location.pathname.replace(`/o/${currentSlug}`, "") : "";
    navigate(`/o/${slug}${rest}`);
  };
  return (
    <div className="org-switcher">
      <label htmlFor={id}>Organization</label>
      <select id={id} value={currentSlug ?? ""} onChange={(event) => onChange(event.target.value)}>
        {!currentSlug && <option value="">Choose…</option>}
        {orgs.map((org) => (
          <option key={org.id} value={org.slug}>
            {org.name}
          </option>
        ))}
      </select>
      <Link to="/orgs/new" className="small-link">
        + New organization
      </Link>
    </div>
  );
}
