// The signed-in layout: a sidebar (organization switcher, navigation, account) that becomes a
// menu button on phone widths, and the page.
import type { TOrgSummary } from "@gw/contracts";
import { type ReactNode, useState } from "react";
import { Link, NavLink } from "react-router";
import { useUser } from "../lib/session.tsx";
import { OrgSwitcher } from "./org-switcher.tsx";
import { SignOutButton } from "./sign-out-button.tsx";

const orgPages = [
  { path: "", label: "Dashboard" },
  { path: "playground", label: "Playground" },
  { path: "keys", label: "API keys" },
  { path: "usage", label: "Usage" },
  { path: "billing", label: "Billing" },
  { path: "members", label: "Members" },
  { path: "projects", label: "Projects" },
  { path: "providers", label: "Providers" },
  { path: "models", label: "Models" },
  { path: "audit", label: "Audit log" },
  { path: "settings", label: "Settings" },
];

export function AppShell(props: {
  orgs: TOrgSummary[];
  currentSlug: string | undefined;
  children: ReactNode;
}) {
  const user = useUser();
  const [menuOpen, setMenuOpen] = useState(false);
  // On a phone, following any link closes the menu.
  const closeMenu = () => setMenuOpen(false);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          LLM Gateway
        </Link>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
      </header>
      <aside id="sidebar" className={menuOpen ? "sidebar sidebar-open" : "sidebar"}>
        <Link to="/" className="brand brand-sidebar">
          LLM Gateway
        </Link>
        <OrgSwitcher orgs={props.orgs} currentSlug={props.currentSlug} />
        {props.currentSlug && (
          <nav aria-label="Organization">
            <ul>
              {orgPages.map((page) => (
                <li key={page.path}>
                  <NavLink
                    onClick={closeMenu}
                    to={`/o/${props.currentSlug}${page.path ? `/${page.path}` : ""}`}
                    end={page.path === ""}
                  >
                    {page.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {user.isPlatformAdmin && (
          <nav aria-label="Platform admin">
            <h2 className="nav-heading">Platform admin</h2>
            <ul>
              <li>
                <NavLink onClick={closeMenu} to="/admin/orgs">
                  Organizations &amp; credits
                </NavLink>
              </li>
              <li>
                <NavLink onClick={closeMenu} to="/admin/prices">
                  Model prices
                </NavLink>
              </li>
            </ul>
          </nav>
        )}
        <div className="sidebar-footer">
          <span className="user-email" title={user.email}>
            {user.email}
          </span>
          <SignOutButton />
        </div>
      </aside>
      <main id="main" className="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
