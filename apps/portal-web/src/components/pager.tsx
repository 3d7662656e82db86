// Cursor pagination: a stack of cursors (the first page has none) and Previous / Next buttons.
import { useCallback, useState } from "react";

export function useCursorPages<C>() {
  const [cursors, setCursors] = useState<(C | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    isFirst: cursors.length === 1,
    next: (cursor: C) => setCursors((list) => [...list, cursor]),
    previous: () => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list)),
    reset: useCallback(() => setCursors([undefined]), []),
  };
}

export function Pager<C>(props: {
  pages: ReturnType<typeof useCursorPages<C>>;
  nextCursor: C | null | undefined;
  previousLabel?: string;
  nextLabel?: string;
}) {
  const { pages, nextCursor } = props;
  return (
    <div className="pager">
      <button type="button" className="button-secondary" disabled={pages.isFirst} onClick={pages.previous}>
        {props.previousLabel ?? "Previous"}
      </button>
      <button
        type="button"
        className="button-secondary"
        disabled={nextCursor === null || nextCursor === undefined}
        onClick={() => nextCursor !== null && nextCursor !== undefined && pages.next(nextCursor)}
      >
        {props.nextLabel ?? "Next"}
      </button>
    </div>
  );
}
