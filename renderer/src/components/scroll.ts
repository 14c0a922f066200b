// Scrolls one container so a rectangle inside it is visible, touching no other ancestor
// (Element.scrollIntoView also scrolls overflow:hidden ancestors and shifts the whole layout).

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** `rect` is in the container's content coordinates. */
export function revealRect(container: HTMLElement, rect: Rect, margin = 8): void {
  if (rect.y < container.scrollTop + margin) container.scrollTop = Math.max(0, rect.y - margin);
  else if (rect.y + rect.h > container.scrollTop + container.clientHeight - margin) container.scrollTop = rect.y + rect.h - container.clientHeight + margin;
  if (rect.x < container.scrollLeft + margin) container.scrollLeft = Math.max(0, rect.x - margin);
  else if (rect.x + rect.w > container.scrollLeft + container.clientWidth - margin) container.scrollLeft = rect.x + rect.w - container.clientWidth + margin;
}

/** Reveals `child`, a descendant of `container`. */
export function revealChild(container: HTMLElement, child: HTMLElement): void {
  const c = container.getBoundingClientRect();
  const r = child.getBoundingClientRect();
  revealRect(container, { x: r.left - c.left + container.scrollLeft, y: r.top - c.top + container.scrollTop, w: Math.min(r.width, container.clientWidth), h: Math.min(r.height, container.clientHeight) });
}
