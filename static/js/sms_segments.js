// SMS segment counting for the browser: window.DidfarmSms.segment(body) splits a body into the parts a carrier
// sends, with exactly the results of messaging/segments.py (see its docstring for the rules):
//
//   DidfarmSms.segment("Hello") ->
//     {encoding: "GSM-7", characters: 5, units: 5, segments: 1, perSegment: 160, remaining: 155, parts: ["Hello"]}
//
// - GSM-7 when every character is in the GSM 03.38 default alphabet (basic or extension table); an extension
//   character (^ { } \ [ ~ ] | euro sign, form feed) takes two septets. 160 septets in one part, 153 in each part of
//   a longer message; an extension character is never split from its escape.
// - UCS-2 otherwise, counted in UTF-16 code units (an emoji outside the BMP takes two). 70 units in one part, 67 in
//   each part of a longer message; a surrogate pair is never split.
// - An empty body: GSM-7, 0 segments, perSegment 160, remaining 160, no parts.
//
// "characters" counts code points, like Python's len(). Line breaks are counted as given; the server turns the
// "\r\n" a form posts into "\n" before counting, which is what a textarea's value holds.
(function () {
  "use strict";

  var MAX_BODY_CHARS = 1600; // longest body accepted, in characters (code points); the server enforces it

  // The GSM 7-bit default alphabet in septet order, 0x00 to 0x7F, without the escape slot 0x1B (127 characters).
  var GSM_BASIC =
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5" + // @£$¥èéùìòÇ LF Øø CR Åå
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9" + // Δ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ
    " !\"#\u00a4%&'()*+,-./" + // ¤ at 0x24
    "0123456789:;<=>?" +
    "\u00a1ABCDEFGHIJKLMNO" + // ¡
    "PQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7" + // ÄÖÑÜ§
    "\u00bfabcdefghijklmno" + // ¿
    "pqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"; // äöñüà
  // The extension table: form feed ^ { } \ [ ~ ] | and the euro sign, each sent as escape + septet.
  var GSM_EXTENSION = "\f^{}\\[~]|\u20ac";

  var SEPTETS = new Map();
  Array.from(GSM_BASIC).forEach(function (c) { SEPTETS.set(c, 1); });
  Array.from(GSM_EXTENSION).forEach(function (c) { SEPTETS.set(c, 2); });

  var CAPACITY = { "GSM-7": [160, 153], "UCS-2": [70, 67] };

  function segment(body) {
    body = body == null ? "" : String(body);
    var chars = Array.from(body); // code points: a surrogate pair is one entry of length 2
    var encoding = "GSM-7";
    var units = 0;
    var costs = new Array(chars.length);
    var i;
    for (i = 0; i < chars.length; i++) {
      var septets = SEPTETS.get(chars[i]);
      if (septets === undefined) {
        encoding = "UCS-2";
        break;
      }
      costs[i] = septets;
      units += septets;
    }
    if (encoding === "UCS-2") {
      units = body.length;
      for (i = 0; i < chars.length; i++) costs[i] = chars[i].length;
    }
    var single = CAPACITY[encoding][0];
    var concatenated = CAPACITY[encoding][1];

    if (units <= single) {
      return {
        encoding: encoding,
        characters: chars.length,
        units: units,
        segments: body ? 1 : 0,
        perSegment: single,
        remaining: single - units,
        parts: body ? [body] : [],
      };
    }

    // Greedy packing: a character that does not fit whole opens the next part.
    var parts = [];
    var start = 0; // UTF-16 offset where the current part starts
    var offset = 0;
    var used = 0;
    for (i = 0; i < chars.length; i++) {
      if (used + costs[i] > concatenated) {
        parts.push(body.slice(start, offset));
        start = offset;
        used = 0;
      }
      used += costs[i];
      offset += chars[i].length;
    }
    parts.push(body.slice(start));
    return {
      encoding: encoding,
      characters: chars.length,
      units: units,
      segments: parts.length,
      perSegment: concatenated,
      remaining: concatenated - used,
      parts: parts,
    };
  }

  window.DidfarmSms = Object.freeze({ segment: segment, maxBodyChars: MAX_BODY_CHARS });
})();
