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

// Search results: Sphinx shows a snippet of each page's text, where the formulas are still TeX
// source ("\(\partial y / \partial \mathbf w\)"). The snippet text gets the TeX turned into
// plain symbols ("∂y / ∂w") before it is shown.
(() => {
  "use strict";

  const SYMBOLS = {
    partial: "∂", odot: "⊙", cdot: "·", times: "×", le: "≤", leq: "≤", ge: "≥", geq: "≥",
    in: "∈", approx: "≈", to: "→", infty: "∞", nabla: "∇", sum: "Σ", ldots: "…", cdots: "⋯",
    dots: "…", "|": "‖", top: "ᵀ", alpha: "α", beta: "β", gamma: "γ", Gamma: "Γ", delta: "δ",
    Delta: "Δ", epsilon: "ε", varepsilon: "ε", eta: "η", theta: "θ", lambda: "λ", mu: "μ",
    sigma: "σ", Sigma: "Σ", tau: "τ", phi: "φ", psi: "ψ", omega: "ω", mathbb: "",
  };

  function plainTeX(tex) {
    let s = tex.replace(/\^\{?\\top\}?/g, "ᵀ").replace(/\\mathbb\{R\}|\\mathbb R\b/g, "ℝ");
    for (let i = 0; i < 3; i += 1) s = s.replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, "$1/$2");
    s = s.replace(/\\(?:left|right|big|Big|bigl|bigr|Bigl|Bigr)\b/g, "")
      .replace(/\\[,;:! ]|\\q?quad\b|~/g, " ")
      .replace(/\\([A-Za-z]+|\|)/g, (m, name) => SYMBOLS[name] ?? "")
      .replace(/[{}]/g, "").replace(/\s*&\s*|\\\\/g, " ");
    return s.replace(/\s+/g, " ").trim();
  }

  function plainMath(text) {
    return text.replace(/\\\(([\s\S]*?)\\\)|\\\[([\s\S]*?)\\\]|\$\$([\s\S]*?)\$\$/g,
      (m, a, b, c) => plainTeX(a ?? b ?? c));
  }

  function wrapSearch() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.lmPlainMath) return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => plainMath(htmlToText(htmlString, anchor));
    Search.lmPlainMath = true;
  }

  wrapSearch();
  document.addEventListener("DOMContentLoaded", wrapSearch);
})();
