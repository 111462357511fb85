import type { ReactNode } from "react";
import { ScrollRegion } from "./scroll-region.tsx";

/** A column's header: its label, or `{ label, numeric: true }` for a right-aligned number column. */
export type Column = string | { readonly label: string; readonly numeric: true };

/**
 * A table of a list in its scrolling region: a caption for screen readers (it also names the region), the column
 * headers, an unlabelled "Actions" column (named for screen readers) when rows end with
 * buttons, and the rows (`<tr>`s) as children.
 */
export function DataTable(props: {
  caption: string;
  columns: readonly Column[];
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <ScrollRegion label={props.caption}>
      <table>
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) =>
              typeof c === "string" ? (
                <th key={c} scope="col">
                  {c}
                </th>
              ) : (
                <th key={c.label} scope="col" className="num">
                  {c.label}
                </th>
              ),
            )}
            {props.actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </ScrollRegion>
  );
}
