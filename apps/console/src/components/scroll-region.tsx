import type { ReactNode } from "react";

/**
 * A table's horizontal scroller: on a phone most tables are wider than the screen, and the page itself must not
 * scroll sideways. It takes the focus so that a keyboard can scroll it (arrow keys; WCAG 2.1.1, axe's
 * scrollable-region-focusable), and it is a region (a named section) called `label`, so a screen reader says
 * what was reached.
 */
export function ScrollRegion(props: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take the focus to scroll by keyboard.
    <section className="table-wrap" aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}
