import { createHash } from 'node:crypto';

/**
 * The one stylesheet of the sign-in and consent pages, inline (no external
 * assets) and allowed by its hash in the Content-Security-Policy, so no
 * other style can run. Light and dark schemes follow the system; colours
 * meet WCAG AA contrast; targets are at least 44 px tall for touch.
 */
export const PAGE_CSS = [
  ':root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--text:#1f2328;--muted:#59636e;--line:#d1d9e0;--accent:#0b57d0;--on-accent:#fff;',
  '--flag-bg:#fff8c5;--flag-line:#9a6700;--flag-text:#3b2300;--error-bg:#ffebe9;--error-line:#cf222e;--error-text:#82071e}',
  '@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9198a1;--line:#3d444d;--accent:#4493f8;--on-accent:#0d1117;',
  '--flag-bg:#3b2e00;--flag-line:#d29922;--flag-text:#f8e3a1;--error-bg:#3c1618;--error-line:#f85149;--error-text:#ffdcd7}}',
  '*{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%;text-size-adjust:100%}',
  'body{margin:0;background:var(--bg);color:var(--text);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}',
  '.dev{margin:0;padding:.75rem 1rem;background:#ffd33d;color:#1f2328;border-bottom:4px solid #1f2328;text-align:center}',
  '.dev strong{text-transform:uppercase;letter-spacing:.04em}',
  'main{max-width:32rem;margin:0 auto;padding:2rem 1rem}',
  '.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.5rem}',
  'h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}',
  'h2{font-size:1rem;margin:1.25rem 0 .5rem}',
  'p{margin:0 0 1rem}',
  '.lead{color:var(--muted)}',
  '.lead strong{color:var(--text)}',
  '.app{font-weight:700;color:var(--text);overflow-wrap:anywhere}',
  'label{display:block;font-weight:600;margin:1rem 0 .25rem}',
  '.hint{display:block;font-weight:400;font-size:.875rem;color:var(--muted)}',
  'input[type=text],input[type=password]{display:block;width:100%;min-height:2.75rem;padding:.5rem .75rem;font:inherit;color:var(--text);background:var(--card);border:1px solid var(--muted);border-radius:8px}',
  'input[aria-invalid=true]{border-color:var(--error-line)}',
  ':focus-visible{outline:3px solid var(--accent);outline-offset:2px}',
  '.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}',
  'button{flex:1 1 9rem;min-height:2.75rem;padding:.5rem 1.25rem;font:inherit;font-weight:600;color:var(--text);background:var(--card);border:1px solid var(--muted);border-radius:8px;cursor:pointer}',
  'button.primary{color:var(--on-accent);background:var(--accent);border-color:var(--accent)}',
  'button.link{flex:none;min-height:2.75rem;padding:0 .25rem;border:0;background:none;color:var(--accent);text-decoration:underline;font-weight:400}',
  '.error{padding:.75rem 1rem;color:var(--error-text);background:var(--error-bg);border:1px solid var(--error-line);border-radius:8px}',
  'dl{margin:0}',
  'dt{font-weight:600;margin-top:1rem}',
  'dd{margin:.25rem 0 0}',
  'ul{margin:.25rem 0 0;padding-left:1.25rem}',
  'li{margin:.25rem 0}',
  'li code{color:var(--muted)}',
  'code{font:.875rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}',
  '.flag{display:block;margin-top:.5rem;padding:.5rem .75rem;color:var(--flag-text);background:var(--flag-bg);border-left:4px solid var(--flag-line);border-radius:4px}',
  '.small{font-size:.875rem;color:var(--muted)}',
  'footer{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .5rem;margin-top:1.5rem;padding-top:1rem;border-top:1px solid var(--line);font-size:.875rem;color:var(--muted)}',
  'footer form{display:inline}',
].join('\n');

/** `'sha256-…'`: the CSP source that allows exactly `PAGE_CSS`. */
export const PAGE_CSS_HASH = `'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`;
