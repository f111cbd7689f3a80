// Tags as the entry form edits them: one text field, comma-separated.

/** The tags in `text`: split on commas, trimmed, without empties or repeats, in order. */
export function parseTags(text: string): string[] {
  const tags: string[] = [];
  for (const raw of text.split(",")) {
    const tag = raw.trim();
    if (tag && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/** The field's text for `tags`. */
export const formatTags = (tags: readonly string[]) => tags.join(", ");
