// The topic configs editor's rows → the PATCH body (the whole map: the API replaces a topic's configs), and
// which row an API refusal is about (Kafka's topic rules name the config in their message).

export type ConfigRow = { name: string; value: string };

export function configsBody(rows: ConfigRow[]): { configs: Record<string, string> } | { error: string } {
  const configs: Record<string, string> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (name === "" && row.value.trim() === "") continue;
    if (name === "") return { error: `A config with value "${row.value}" has no name.` };
    if (name in configs) return { error: `${name} is set twice.` };
    configs[name] = row.value.trim();
  }
  return { configs };
}

/** The index of the row whose config the message names (the longest name that occurs), or -1. */
export function rowOfError(message: string, rows: ConfigRow[]): number {
  let best = -1;
  rows.forEach((row, i) => {
    const name = row.name.trim();
    if (name !== "" && message.includes(name) && (best < 0 || name.length > rows[best]!.name.trim().length))
      best = i;
  });
  return best;
}
