// Keyboard-first screens: the field people type into next gets the focus when it appears.

/** Svelte action: focuses the element once it is in the page. */
export function focusOnMount(node: HTMLElement): void {
  queueMicrotask(() => node.focus());
}
