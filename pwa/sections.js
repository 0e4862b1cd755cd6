// Sections of a role's app, a tab each (#/orders, #/count, …; the address keeps the section across
// a reload). A section is {hash, label, load: async () => (ctx) => {root, title, dispose?}}, or, for
// a role's home, {hash, label, make: () => screen}; each is built only when opened.

import { h } from "./dom.js";

/** The section the address names, or the first one. */
export function sectionFor(hash, sections) {
  return sections.find((section) => section.hash === hash) ?? sections[0];
}

function tabs(sections, current, label) {
  return h(
    "nav.tabs",
    { "aria-label": label },
    sections.map(({ hash, label: name }) => h("a.tab", { href: hash, "aria-current": hash === current.hash ? "page" : null }, name)),
  );
}

/** The tab row and the open section's screen, with the screen's dispose. */
export function tabbedHome(sections, ctx, label) {
  const section = sectionFor(location.hash, sections);
  const bar = tabs(sections, section, label);
  // The row scrolls sideways on a phone: bring the open section's tab into view, not the page.
  requestAnimationFrame(() => {
    const tab = bar.querySelector('[aria-current="page"]');
    if (tab) bar.scrollLeft = tab.offsetLeft - (bar.clientWidth - tab.offsetWidth) / 2;
  });
  if (section.make) {
    const screen = section.make();
    return { root: h("div", bar, screen.root), title: screen.title ?? section.label, dispose: () => screen.dispose?.() };
  }
  const slot = h("section.screen", h("div.screen-head", h("h1", section.label)));
  const root = h("div", bar, slot);
  let screen = null;
  let gone = false;
  section.load().then((make) => {
    if (gone) return;
    screen = make(ctx);
    slot.replaceWith(screen.root);
  });
  return {
    root,
    title: section.label,
    dispose: () => {
      gone = true;
      screen?.dispose?.();
    },
  };
}
