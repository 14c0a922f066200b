/**
 * Appends every item of `items` to `target`. `target.push(...items)` passes each item as an
 * argument and overflows the stack past ~100k items, which a 5,000-Service diff reaches.
 */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
