// The group list of the sidebar, from entries' group paths ("Work/Servers").

export interface GroupCount {
  path: string;
  depth: number;
  name: string;
  count: number;
}

export function groupTree(groups: (string | null)[]): GroupCount[] {
  const counts = new Map<string, number>();
  for (const g of groups) {
    if (!g) continue;
    const parts = g.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const path = parts.slice(0, i).join("/");
      counts.set(path, (counts.get(path) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, count]) => {
      const parts = path.split("/");
      return { path, depth: parts.length - 1, name: parts[parts.length - 1], count };
    });
}

export function inGroup(group: string | null, selected: string | null): boolean {
  if (selected === null) return true;
  return group === selected || (group ?? "").startsWith(selected + "/");
}
