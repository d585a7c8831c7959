/* Voice notes recorded in the page (templates/media/_recorder.html).
 *
 * Without JavaScript, or without MediaRecorder, the field is a plain file input (phones offer
 * their recorder). With them, the Record / Stop / Listen / Discard buttons appear; a recording
 * is put into that same file input (DataTransfer), so the form posts it as it would a chosen
 * file. The status line (aria-live) says what happens, with the elapsed time and the limit;
 * the recording stops by itself at the limit. Real buttons: touch, mouse and keyboard alike.
 * Loaded again with each htmx swap of a form: it sets itself up once, and enhances every
 * recorder field that appears (htmx:load).
 */
(function () {
  "use strict";
  if (window.roadmapRecorder) {
    return;
  }
  window.roadmapRecorder = true;

  var TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4", "audio/ogg;codecs=opus"];

  function supported() {
    return !!(window.MediaRecorder && navigator.mediaDevices &&
              navigator.mediaDevices.getUserMedia && window.DataTransfer);
  }

  function chosenType() {
    for (var i = 0; i < TYPES.length; i++) {
      if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(TYPES[i])) {
        return TYPES[i];
      }
    }
    return "";
  }

  function extensionOf(type) {
    if (type.indexOf("mp4") >= 0) { return "m4a"; }
    if (type.indexOf("ogg") >= 0) { return "ogg"; }
    return "webm";
  }

  function clock(seconds, lang) {
    var whole = Math.max(0, Math.floor(seconds));
    var two;
    try {
      two = new Intl.NumberFormat(lang, {minimumIntegerDigits: 2});
    } catch (error) {
      two = new Intl.NumberFormat(undefined, {minimumIntegerDigits: 2});
    }
    var one = new Intl.NumberFormat(lang || undefined);
    return one.format(Math.floor(whole / 60)) + ":" + two.format(whole % 60);
  }

  function Recorder(root) {
    this.root = root;
    this.input = root.querySelector("input[type=file]");
    this.status = root.querySelector("[data-recorder-status]");
    this.preview = root.querySelector("[data-recorder-preview]");
    this.max = parseInt(root.getAttribute("data-max-seconds"), 10) || 180;
    this.lang = document.documentElement.lang || undefined;
    this.buttons = {};
    var self = this;
    root.querySelectorAll("button[data-action]").forEach(function (button) {
      self.buttons[button.getAttribute("data-action")] = button;
      button.addEventListener("click", function () { self[button.getAttribute("data-action")](); });
    });
    this.input.addEventListener("change", function () {
      if (self.input.files.length && !self.fromRecorder) {
        self.setPreview(self.input.files[0]);
        self.say(self.text("chosen"));
        self.enable({record: true, stop: false, listen: true, discard: true});
      }
      self.fromRecorder = false;
    });
    root.querySelector("[data-recorder-controls]").hidden = false;
    this.say(this.text("ready"));
  }

  Recorder.prototype.text = function (name, elapsed) {
    return (this.root.getAttribute("data-text-" + name) || "")
      .replace("{elapsed}", clock(elapsed || 0, this.lang))
      .replace("{limit}", clock(this.max, this.lang));
  };

  Recorder.prototype.say = function (message) {
    this.status.textContent = message;
  };

  Recorder.prototype.enable = function (states) {
    for (var name in states) {
      if (this.buttons[name]) { this.buttons[name].disabled = !states[name]; }
    }
  };

  Recorder.prototype.setPreview = function (blob) {
    if (this.url) { URL.revokeObjectURL(this.url); }
    this.url = URL.createObjectURL(blob);
    this.preview.src = this.url;
    this.preview.hidden = false;
  };

  Recorder.prototype.record = function () {
    var self = this;
    if (this.media) { return; }
    navigator.mediaDevices.getUserMedia({audio: true}).then(function (stream) {
      var type = chosenType();
      var media = type ? new MediaRecorder(stream, {mimeType: type}) : new MediaRecorder(stream);
      var chunks = [];
      self.media = media;
      self.stream = stream;
      media.addEventListener("dataavailable", function (event) {
        if (event.data && event.data.size) { chunks.push(event.data); }
      });
      media.addEventListener("stop", function () { self.finish(chunks, media.mimeType || type); });
      media.start(1000);
      self.started = Date.now();
      self.enable({record: false, stop: true, listen: false, discard: false});
      self.buttons.stop.focus();
      self.tick();
      self.timer = window.setInterval(function () { self.tick(); }, 1000);
    }).catch(function () {
      self.say(self.text("denied"));
    });
  };

  Recorder.prototype.elapsed = function () {
    return (Date.now() - this.started) / 1000;
  };

  Recorder.prototype.tick = function () {
    var elapsed = this.elapsed();
    if (elapsed >= this.max) {
      this.atLimit = true;
      this.stop();
      return;
    }
    // Every ten seconds to screen readers (aria-live), every second on the screen.
    this.status.setAttribute("aria-live", Math.floor(elapsed) % 10 === 0 ? "polite" : "off");
    this.say(this.text("recording", elapsed));
  };

  Recorder.prototype.stop = function () {
    if (!this.media) { return; }
    window.clearInterval(this.timer);
    this.seconds = Math.min(this.elapsed(), this.max);
    this.status.setAttribute("aria-live", "polite");
    if (this.media.state !== "inactive") { this.media.stop(); }
    this.stream.getTracks().forEach(function (track) { track.stop(); });
  };

  Recorder.prototype.finish = function (chunks, type) {
    var baseType = (type || "audio/webm").split(";")[0];
    var blob = new Blob(chunks, {type: baseType});
    var file = new File([blob], "voice-note." + extensionOf(baseType), {type: baseType});
    var transfer = new DataTransfer();
    transfer.items.add(file);
    this.fromRecorder = true;
    this.input.files = transfer.files;
    this.input.dispatchEvent(new Event("change", {bubbles: true}));
    this.media = null;
    this.setPreview(blob);
    var message = this.text("recorded", this.seconds);
    if (this.atLimit) { message = this.text("limit") + " " + message; }
    this.atLimit = false;
    this.say(message);
    this.enable({record: true, stop: false, listen: true, discard: true});
    this.buttons.listen.focus();
  };

  Recorder.prototype.listen = function () {
    if (!this.preview.src) { return; }
    this.preview.currentTime = 0;
    var playing = this.preview.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  };

  Recorder.prototype.discard = function () {
    this.stop();
    this.input.value = "";
    if (window.DataTransfer) { this.input.files = new DataTransfer().files; }
    this.preview.pause();
    this.preview.removeAttribute("src");
    this.preview.hidden = true;
    if (this.url) { URL.revokeObjectURL(this.url); this.url = null; }
    this.say(this.text("discarded"));
    this.enable({record: true, stop: false, listen: false, discard: false});
    this.buttons.record.focus();
  };

  function enhance(scope) {
    if (!supported()) { return; }
    (scope || document).querySelectorAll("[data-recorder]").forEach(function (root) {
      if (!root.roadmapRecorder) { root.roadmapRecorder = new Recorder(root); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
}());
