// index.html holds the bundled article as static HTML (examples/prerender.rs) so it is painted
// before the app has loaded. When the address names another document (#doc=…), this hides it
// before it is painted; the app shows that document when it starts.
if (/(?:^#|&)doc=(?!pakistan-army-chief-iran(?:&|$))/.test(location.hash)) {
  document.documentElement.classList.add('other-doc');
}
