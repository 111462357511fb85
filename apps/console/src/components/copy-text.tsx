import { useState } from "react";

/** A value in a monospace box with a Copy button (clipboard API; the text stays selectable without it). */
export function CopyText({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="copy">
      <code>{text}</code>
      <button type="button" onClick={copy} aria-label={copied ? `${label} copied` : `Copy ${label}`}>
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}
