"""What a person cannot reach on a page: actions and amounts off the screen or cut off."""

from playwright.sync_api import Page

# Runs in the page. An element is out of reach when it lies outside the viewport's width,
# or outside an ancestor that clips or scrolls sideways (a table scrolling in its own box
# hides its last columns without a hint). Amounts are found by their text, like
# "1,775.81 USD", so that no markup has to opt in to be checked.
UNREACHABLE = r"""
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const lines = (rects) => new Set([...rects].map((r) => Math.round(r.top))).size;
  const clipper = (el, rect) => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (getComputedStyle(a).overflowX === "visible") continue;
      const box = a.getBoundingClientRect();
      if (rect.left < box.left - 1 || rect.right > box.right + 1) {
        return `${a.tagName.toLowerCase()}.${a.className || "(no class)"}`;
      }
    }
    return null;
  };
  const check = (kind, name, rect, el) => {
    if (rect.width === 0 && rect.height === 0) return;
    if (rect.left < -1 || rect.right > width + 1) {
      const span = `${Math.round(rect.left)}..${Math.round(rect.right)}`;
      problems.push(`${kind} "${name}" spans ${span} of ${width} px`);
    }
    const cut = clipper(el, rect);
    if (cut) problems.push(`${kind} "${name}" is cut off inside ${cut}`);
  };
  const actions = "button, a.button, input[type=submit], .mainnav a, .tabs a, .icon-button";
  for (const el of document.querySelectorAll(actions)) {
    if (!el.checkVisibility()) continue;
    const name = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    check("action", name, el.getBoundingClientRect(), el);
  }
  const patterns = [
    ["amount", /-?\d[\d,]*\.\d{2} [A-Z]{3}\b/g],
    ["invoice number", /\b[A-Z]{2,}-\d{4,}\b/g],
  ];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.checkVisibility()) continue;
    for (const [kind, pattern] of patterns) {
      for (const match of node.data.matchAll(pattern)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = range.getClientRects();
        for (const rect of rects) check(kind, match[0], rect, node.parentElement);
        if (lines(rects) > 1) problems.push(`${kind} "${match[0]}" breaks across lines`);
      }
    }
  }
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide, not ${width}`);
  }
  return problems;
}
"""

# Runs in the page: event names like "owner.signed_in" that break inside a word.
BROKEN_NAMES = r"""
(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const text = el.textContent;
    let start = 0;
    for (const word of text.split(".")) {
      // Words are measured in the element's text, whatever nodes hold it.
      const range = document.createRange();
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      let offset = 0, from = null, to = null;
      while (walker.nextNode()) {
        const n = walker.currentNode, end = offset + n.data.length;
        if (from === null && start < end) from = [n, start - offset];
        if (to === null && start + word.length <= end) to = [n, start + word.length - offset];
        offset = end;
      }
      if (from && to && word) {
        range.setStart(...from);
        range.setEnd(...to);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(`${text} breaks inside "${word}"`);
      }
      start += word.length + 1;
    }
  }
  return broken;
}
"""


def unreachable(page: Page) -> list[str]:
    """Return the actions and amounts of the page out of sight without scrolling sideways."""
    return list(page.evaluate(UNREACHABLE))


def broken_names(page: Page, selector: str) -> list[str]:
    """Return the dotted names in elements matching selector that break inside a word."""
    return list(page.evaluate(BROKEN_NAMES, selector))
