/** The page `segcrypt serve` shows: plain HTML; page-script.ts fills it from /packages.json. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>segcrypt serve</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; max-width: 70em; }
  section.pkg { border: 1px solid #bbb; border-radius: 6px; padding: 0.8em 1em; margin: 1em 0; }
  section.pkg[data-state="error"] { border-color: #c00; background: #fff4f4; }
  section.pkg[data-state="playing"] { border-color: #080; }
  th { text-align: left; padding-right: 1em; vertical-align: top; }
  pre { white-space: pre-wrap; word-break: break-all; font-size: 11px; background: #f6f6f6; padding: 0.5em; max-height: 14em; overflow: auto; }
  video { width: 480px; max-width: 100%; background: #000; display: block; margin: 0.5em 0; }
  .status { font-weight: bold; }
  [data-state="error"] .status { color: #c00; }
  [data-state="playing"] .status { color: #080; }
  .note { color: #555; }
</style>
</head>
<body>
<h1>segcrypt serve</h1>
<p id="key-server" class="note"></p>
<p class="note">No keys are given to the players: shaka-player asks the ClearKey license server the MPD names
(<code>dashif:Laurl</code>) or fetches the HLS key URIs; hls.js fetches the <code>EXT-X-KEY</code> URI.
A package whose key the server does not know shows an error.</p>
<div id="packages"><p>loading /packages.json ...</p></div>
<script src="/page.js"></script>
</body>
</html>
`;
