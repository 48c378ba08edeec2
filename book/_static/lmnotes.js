// Reading the book on a narrow screen. MathJax cannot break an inline formula across lines, so
// an inline formula wider than its paragraph (in a proof or a solution on a phone) would be cut
// off by the box around it. Such formulas get the class `lm-wide-math` (lmnotes.css), which puts
// them on a line of their own that scrolls sideways. Re-checked when the window is resized.
(() => {
  "use strict";

  function contentWidth(el) {
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) block = block.parentElement;
    if (!block) return Infinity;
    const cs = getComputedStyle(block);
    return block.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  }

  function markWideInlineMath() {
    const inline = document.querySelectorAll('mjx-container[jax]:not([display="true"])');
    inline.forEach((c) => c.classList.remove("lm-wide-math"));
    inline.forEach((c) => {
      if (c.getBoundingClientRect().width > contentWidth(c) + 0.5) c.classList.add("lm-wide-math");
    });
  }

  let pending = null;
  function onResize() {
    clearTimeout(pending);
    pending = setTimeout(markWideInlineMath, 150);
  }

  window.addEventListener("load", () => {
    const startup = window.MathJax && window.MathJax.startup;
    if (!startup || !startup.promise) return;
    startup.promise.then(markWideInlineMath);
    window.addEventListener("resize", onResize);
  });
})();
