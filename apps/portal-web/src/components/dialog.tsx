// A modal on the native <dialog>: focus moves in and returns, Escape closes, the page behind is inert.
import { type ReactNode, useEffect, useId, useRef } from "react";

export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Wider dialogs for forms with many fields. */
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      className={props.wide ? "dialog dialog-wide" : "dialog"}
      aria-labelledby={titleId}
      onClose={props.onClose}
    >
      {props.open && (
        <>
          <header className="dialog-header">
            <h2 id={titleId}>{props.title}</h2>
            <button type="button" className="button-icon" aria-label="Close" onClick={props.onClose}>
              ×
            </button>
          </header>
          <div className="dialog-body">{props.children}</div>
        </>
      )}
    </dialog>
  );
}

/** "Are you sure?" for destructive actions. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending?: boolean;
  error?: ReactNode;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose}>
      {props.children}
      {props.error}
      <div className="actions">
        <button type="button" className="button-secondary" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" className="button-danger" disabled={props.pending} onClick={props.onConfirm}>
          {props.pending ? "Working…" : props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
