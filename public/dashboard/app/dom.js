// Page helpers: a selector shorthand, an element builder that renders every value as text (never
// as HTML), and the banner that says a load failed.
export const $ = (selector) => document.querySelector(selector);

/** Builds an element; children are nodes or strings (always as text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    // Through the CSSOM, which the Content-Security-Policy (public/_headers) allows; a style attribute it refuses.
    else if (name === 'style') node.style.cssText = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function setBanner(message) {
  $('#banner').hidden = !message;
  $('#banner-text').textContent = message ?? '';
}
