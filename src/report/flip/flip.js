// coinflip flip: the page's Flip button. Draws the next flips in the browser exactly as
// `coinflip flip` does (docs/sampling.md): a ChaCha20 stream (20 rounds, 64-bit block counter in
// state words 12-13, 64-bit stream id in words 14-15) keyed by the seed as 8 little-endian bytes
// and 24 zero bytes, stream id (domain << 56) | index; one uniform per flip from two 32-bit
// output words, the first the low half: u = (x >> 11) * 2^-53; the face drawn is the first j
// with u * C_m < C_j, the cumulative sums of the weights added left to right in doubles. So flip k
// here is flip k of the command line. No network, nothing loaded: this file is the whole script.
"use strict";

var coinflipFlip = (function () {
  function rotl(x, n) {
    return (x << n) | (x >>> (32 - n));
  }

  function quarter(s, a, b, c, d) {
    s[a] = (s[a] + s[b]) | 0; s[d] = rotl(s[d] ^ s[a], 16);
    s[c] = (s[c] + s[d]) | 0; s[b] = rotl(s[b] ^ s[c], 12);
    s[a] = (s[a] + s[b]) | 0; s[d] = rotl(s[d] ^ s[a], 8);
    s[c] = (s[c] + s[d]) | 0; s[b] = rotl(s[b] ^ s[c], 7);
  }

  // One 64-byte ChaCha20 block as 16 unsigned 32-bit words.
  function block(key, counterLo, counterHi, streamLo, streamHi) {
    var init = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574].concat(key,
      [counterLo, counterHi, streamLo, streamHi]);
    var s = init.map(function (w) { return w | 0; });
    for (var round = 0; round !== 10; round++) {
      quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13);
      quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15);
      quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12);
      quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14);
    }
    return s.map(function (w, i) { return (w + init[i]) >>> 0; });
  }

  // The stream (seed: a decimal string, as a u64 may not fit a double; domain, index: numbers).
  function Stream(seed, domain, index) {
    var mask = BigInt(0xffffffff);
    var s = BigInt(seed);
    var id = (BigInt(domain) << BigInt(56)) | BigInt(index);
    this.key = [Number(s & mask), Number((s >> BigInt(32)) & mask), 0, 0, 0, 0, 0, 0];
    this.streamLo = Number(id & mask);
    this.streamHi = Number((id >> BigInt(32)) & mask);
    this.counterLo = 0;
    this.counterHi = 0;
    this.words = [];
    this.pos = 0;
  }

  Stream.prototype.word = function () {
    if (this.pos === this.words.length) {
      this.words = block(this.key, this.counterLo, this.counterHi, this.streamLo, this.streamHi);
      this.pos = 0;
      this.counterLo = (this.counterLo + 1) >>> 0;
      if (this.counterLo === 0) this.counterHi = (this.counterHi + 1) >>> 0;
    }
    return this.words[this.pos++];
  };

  // next_u64 as [low word, high word].
  Stream.prototype.u64 = function () {
    var lo = this.word();
    return [lo, this.word()];
  };

  // (x >> 11) * 2^-53 = (high word * 2^21 + (low word >>> 11)) / 2^53: 53 bits, exact in a double.
  Stream.prototype.uniform = function () {
    var x = this.u64();
    return (x[1] * 2097152 + (x[0] >>> 11)) / 9007199254740992;
  };

  // The first `count` next_u64 values of a stream, as decimal strings (for the test vectors).
  function u64s(seed, domain, index, count) {
    var st = new Stream(seed, domain, index);
    var out = [];
    for (var i = 0; i !== count; i++) {
      var x = st.u64();
      out.push(((BigInt(x[1]) << BigInt(32)) | BigInt(x[0])).toString());
    }
    return out;
  }

  // The draw over weights in draw order: the first j with u * C_m < C_j.
  function Coin(weights) {
    var c = 0;
    this.sums = weights.map(function (w) { c += w; return c; });
    this.total = c;
  }

  Coin.prototype.pick = function (u) {
    var x = u * this.total;
    var lo = 0, hi = this.sums.length;
    while (lo !== hi) {
      var mid = (lo + hi) >>> 1;
      if (this.sums[mid] <= x) lo = mid + 1; else hi = mid;
    }
    return Math.min(lo, this.sums.length - 1);
  };

  return { Stream: Stream, Coin: Coin, u64s: u64s };
})();

if (typeof module !== "undefined" && module.exports) module.exports = coinflipFlip;

(function () {
  if (typeof document === "undefined") return;
  var node = document.getElementById("coin-data");
  if (!node) return;
  var data = JSON.parse(node.textContent);
  var coin = new coinflipFlip.Coin(data.weights);
  var ticks = document.getElementById("ticks");
  var rows = document.querySelector("#flips tbody");
  var tally = document.querySelectorAll("#tally tbody tr");
  var stream, flips, counts;

  function percent(p) {
    var pct = 100 * p;
    return (pct >= 0.1 || pct === 0 ? pct.toFixed(1) : pct.toFixed(3)) + "%";
  }

  function interval(iv) {
    return "[" + iv[0].toFixed(6) + ", " + iv[1].toFixed(6) + ")";
  }

  function flipsWord(n) {
    return n === 1 ? "1 flip" : n + " flips";
  }

  function start() {
    stream = new coinflipFlip.Stream(data.seed, data.domain, data.index);
    flips = 0;
    counts = data.weights.map(function () { return 0; });
  }

  function showTally() {
    document.getElementById("count").textContent = flipsWord(flips);
    for (var i = 0; i !== tally.length; i++) {
      var share = flips === 0 ? 0 : counts[i] / flips;
      tally[i].querySelector(".observed").textContent = String(counts[i]);
      tally[i].querySelector(".share").textContent = percent(share);
      tally[i].querySelector(".bar").style.width = (100 * share).toFixed(2) + "%";
    }
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
  }

  function flipOnce() {
    var u = stream.uniform();
    var j = coin.pick(u);
    var face = data.faces[j];
    flips += 1;
    counts[j] += 1;
    var tr = document.createElement("tr");
    tr.dataset.index = String(flips);
    tr.dataset.u = String(u);
    tr.dataset.id = String(face.id);
    tr.dataset.token = face.token;
    cell(tr, String(flips), "num");
    cell(tr, u.toFixed(6), "num");
    cell(tr, interval(face.interval));
    cell(tr, face.label + " (" + face.id + ")");
    rows.appendChild(tr);
    var old = ticks.querySelector(".latest");
    if (old) old.setAttribute("class", "tick");
    var line = document.createElementNS(ticks.namespaceURI, "line");
    var x = (u * 1000).toFixed(2);
    line.setAttribute("class", "tick latest");
    line.setAttribute("x1", x);
    line.setAttribute("x2", x);
    line.setAttribute("y1", "20");
    line.setAttribute("y2", "96");
    var title = document.createElementNS(ticks.namespaceURI, "title");
    var last = "flip " + flips + ": u = " + u.toFixed(6) + " \u2192 " + face.label;
    title.textContent = last;
    line.appendChild(title);
    ticks.appendChild(line);
    // Keep the picture readable: the latest flips' ticks only.
    while (ticks.childNodes.length > data.listed) ticks.removeChild(ticks.firstChild);
    document.getElementById("last").textContent = last;
  }

  function flipMany(n) {
    for (var i = 0; i !== n; i++) flipOnce();
    showTally();
  }

  function reset() {
    start();
    while (rows.firstChild) rows.removeChild(rows.firstChild);
    while (ticks.firstChild) ticks.removeChild(ticks.firstChild);
    document.getElementById("last").textContent = "no flips yet";
    showTally();
  }

  // Pick up where the command line stopped: its flips are on the page already.
  start();
  for (var k = 0; k !== data.count; k++) {
    var j = coin.pick(stream.uniform());
    counts[j] += 1;
    flips += 1;
  }
  showTally();
  document.getElementById("flip-1").addEventListener("click", function () { flipMany(1); });
  document.getElementById("flip-10").addEventListener("click", function () { flipMany(10); });
  document.getElementById("reset").addEventListener("click", reset);
})();
