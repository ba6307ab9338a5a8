// The live counter of an SMS body (<form data-sms-compose>: the compose page, and the reply box of a
// conversation, whose recipient is fixed: data-sms-to): characters, encoding, segments and price as the text
// is typed, and Send switched off while the text is longer than the longest body. Counting is the same as the
// server's (sms_segments.js mirrors messaging/segments.py); the price per segment comes from the destination's
// dialling code. The server recounts, checks and charges on send. A form htmx swaps in is wired when it lands.
(function () {
  function ratesFrom(element) {
    try { return JSON.parse(element.textContent); } catch (e) { return { default: "0.008", by_prefix: [] }; }
  }

  function priceFor(rates, to) {
    var digits = (to || "").replace(/[^0-9]/g, "");
    if ((to || "").trim().indexOf("00") === 0) digits = digits.slice(2);
    for (var i = 0; i < rates.by_prefix.length; i++) {
      if (digits.indexOf(rates.by_prefix[i][0]) === 0) return rates.by_prefix[i][1];
    }
    return rates.default;
  }

  // Four decimals without floating-point drift: the price per segment has at most four.
  function times(price, count) {
    var parts = String(price).split(".");
    var units = parseInt(parts[0], 10) * 10000 + parseInt(((parts[1] || "") + "0000").slice(0, 4), 10);
    var total = units * count;
    var whole = Math.floor(total / 10000);
    var frac = String(total % 10000);
    while (frac.length < 4) frac = "0" + frac;
    return whole + "." + frac;
  }

  function wire(form) {
    var body = form.querySelector("[data-sms-body]");
    var to = form.querySelector("input[name=to]");
    var fixedTo = form.getAttribute("data-sms-to") || "";
    var counter = form.querySelector("[data-sms-counter]");
    var send = form.querySelector("button[type=submit]");
    var ratesElement = document.getElementById("sms-rates");
    if (!body || !counter || !window.DidfarmSms || form.hasAttribute("data-sms-wired")) return;
    form.setAttribute("data-sms-wired", "");
    var rates = ratesElement ? ratesFrom(ratesElement) : { default: "0.008", by_prefix: [] };
    var max = parseInt(counter.getAttribute("data-max"), 10) || 1600;
    var mark = counter.getAttribute("data-decimal-mark") || "."; // the page language's decimal mark
    function part(name) { return counter.querySelector('[data-part="' + name + '"]'); }
    function update() {
      var result = window.DidfarmSms.segment(body.value);
      part("chars").textContent = result.characters;
      part("encoding").textContent = result.encoding;
      part("encoding").classList.toggle("ucs", result.encoding !== "GSM-7");
      part("segments").textContent = result.segments;
      part("per").textContent = result.perSegment;
      part("left").textContent = result.remaining;
      part("price").textContent = times(priceFor(rates, to ? to.value : fixedTo), result.segments).replace(".", mark);
      part("hint").hidden = result.encoding === "GSM-7";
      var tooLong = result.characters > max;
      part("too-long").hidden = !tooLong;
      if (send) send.disabled = tooLong;
    }
    body.addEventListener("input", update);
    if (to) to.addEventListener("input", update);
    update();
  }

  function wireWithin(root) {
    if (root.matches && root.matches("form[data-sms-compose]")) wire(root);
    if (root.querySelectorAll) root.querySelectorAll("form[data-sms-compose]").forEach(wire);
  }
  function init() { wireWithin(document); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  document.addEventListener("htmx:load", function (event) { wireWithin(event.detail.elt); });
})();
