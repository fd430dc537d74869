/**
 * The page's browser script (plain JavaScript, served as /page.js, no build step): one card per
 * package with its protection and a <video>; shaka-player plays DASH and HLS fMP4, hls.js HLS
 * MPEG-TS; neither gets keys in its configuration. Errors are shown on the card (red, with the
 * player's code and the HTTP status of a refused license or key request). `?play=NAME` or
 * `?play=all` starts playback without a click.
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var LIBS = { shaka: '/lib/shaka-player.compiled.js', hlsjs: '/lib/hls.min.js' };
  var loading = {};
  var state = {};
  window.segcryptPage = state;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function loadLib(name) {
    if (!loading[name]) {
      loading[name] = new Promise(function (resolve, reject) {
        var s = el('script', { src: LIBS[name] });
        s.onload = resolve;
        s.onerror = function () { reject(new Error('cannot load ' + LIBS[name])); };
        document.head.appendChild(s);
      });
    }
    return loading[name];
  }
  function withoutQuery(u) { return String(u).split('?')[0]; }

  /** A shaka.util.Error as text: code, its name, nested errors, HTTP status and body of a refused request. */
  function describeShaka(e) {
    if (!e || typeof e.code !== 'number') return String(e && e.message || e);
    var names = (window.shaka && shaka.util && shaka.util.Error && shaka.util.Error.Code) || {};
    var name = Object.keys(names).find(function (k) { return names[k] === e.code; }) || '';
    var text = 'shaka-player error ' + e.code + (name ? ' ' + name : '');
    var d = e.data || [];
    if (e.code === 1001 || e.code === 1002) text += ': HTTP ' + d[1] + ' from ' + withoutQuery(d[0]) + (d[2] ? ' (' + String(d[2]).slice(0, 200) + ')' : '');
    d.forEach(function (x) { if (x && typeof x.code === 'number') text += ' <- ' + describeShaka(x); });
    return text;
  }

  function card(p) {
    var s = el('section', { 'class': 'pkg', id: 'pkg-' + p.name, 'data-state': 'idle' });
    s.appendChild(el('h2', {}, p.name));
    var t = el('table');
    [['format', p.format + ' ' + p.container + ' - played by ' + (p.player === 'shaka' ? 'shaka-player' : 'hls.js')],
     ['manifest', p.manifest], ['scheme', p.scheme], ['KIDs', p.kids.join(', ') || '(none signaled)'],
     ['DRM systems', p.drmSystems.join(', ') || '(none)']].forEach(function (r) {
      var tr = el('tr'); tr.appendChild(el('th', {}, r[0])); tr.appendChild(el('td', {}, r[1])); t.appendChild(tr);
    });
    s.appendChild(t);
    var det = el('details', { open: '' });
    det.appendChild(el('summary', {}, 'signaling (' + p.signaling.length + ' ' + (p.format === 'DASH' ? 'ContentProtection elements' : 'EXT-X-KEY lines') + ')'));
    det.appendChild(el('pre', {}, p.signaling.join('\n')));
    s.appendChild(det);
    var video = el('video', { id: 'video-' + p.name, controls: '', playsinline: '' });
    video.muted = true;
    s.appendChild(video);
    var button = el('button', {}, 'Play');
    s.appendChild(button);
    var status = el('p', { 'class': 'status' }, 'not started');
    s.appendChild(status);
    var st = state[p.name] = { errors: [], started: false };
    function fail(msg) {
      if (st.errors.indexOf(msg) < 0) st.errors.push(msg);
      s.setAttribute('data-state', 'error');
      status.textContent = 'ERROR: ' + st.errors.join(' | ');
    }
    video.addEventListener('error', function () {
      var e = video.error;
      fail('video element error ' + (e ? e.code + ' ' + e.message : ''));
    });
    video.addEventListener('timeupdate', function () {
      if (st.errors.length) return;
      var q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : { totalVideoFrames: 0 };
      s.setAttribute('data-state', 'playing');
      status.textContent = 'playing: ' + video.currentTime.toFixed(1) + ' s, ' + q.totalVideoFrames + ' frames decoded';
    });
    function start() {
      if (st.started) return;
      st.started = true;
      status.textContent = 'loading ' + (p.player === 'shaka' ? 'shaka-player' : 'hls.js') + ' ...';
      var url = '/pkg/' + encodeURIComponent(p.name) + '/' + p.manifest;
      loadLib(p.player).then(function () {
        if (p.player === 'shaka') return startShaka(url, video, fail);
        return startHlsjs(url, video, fail);
      }).then(function () {
        return video.play().catch(function (e) { if (!st.errors.length) status.textContent = 'play(): ' + e.message; });
      }).catch(function (e) { fail(describeShaka(e)); });
    }
    button.addEventListener('click', start);
    st.start = start;
    return s;
  }

  function startShaka(url, video, fail) {
    shaka.polyfill.installAll();
    var player = new shaka.Player();
    player.addEventListener('error', function (ev) { fail(describeShaka(ev.detail)); });
    return player.attach(video).then(function () { return player.load(url); });
  }

  function startHlsjs(url, video, fail) {
    var hls = new Hls();
    hls.on(Hls.Events.ERROR, function (_ev, d) {
      if (!d.fatal) return;
      var http = d.response && d.response.code ? ': HTTP ' + d.response.code + (d.url || (d.context && d.context.url) ? ' from ' + withoutQuery(d.url || d.context.url) : '') : '';
      fail('hls.js fatal ' + d.type + ' ' + d.details + http + (d.error && d.error.message ? ' (' + d.error.message + ')' : ''));
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  fetch('/packages.json').then(function (r) { return r.json(); }).then(function (info) {
    document.getElementById('key-server').textContent = info.keyServer;
    var root = document.getElementById('packages');
    root.textContent = '';
    if (!info.packages.length) root.appendChild(el('p', {}, 'No packages in ' + info.dir + ' (run npm start).'));
    info.packages.forEach(function (p) { root.appendChild(card(p)); });
    var play = new URLSearchParams(location.search).get('play');
    Object.keys(state).forEach(function (n) { if (play === 'all' || play === n) state[n].start(); });
  }).catch(function (e) {
    document.getElementById('packages').textContent = 'ERROR: cannot read /packages.json: ' + e.message;
  });
})();
`;
