// The image form's focal point: click the picture, or focus it and use the arrow keys.
// Without this file the two number fields (0 to 1) still set the point.
(function () {
  "use strict";

  var STEP = 0.05;
  var FINE_STEP = 0.01;
  var KEYS = {
    ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]
  };

  function clamp(value) {
    return Math.min(1, Math.max(0, Math.round(value * 1000) / 1000));
  }

  function percent(value) {
    return Math.round(value * 100) + " %";
  }

  function setUp(picker) {
    var xInput = document.getElementById(picker.getAttribute("data-x-input"));
    var yInput = document.getElementById(picker.getAttribute("data-y-input"));
    if (!xInput || !yInput) return;
    var frame = picker.querySelector(".focal-picker__frame");
    var marker = picker.querySelector(".focal-picker__marker");
    var status = picker.querySelector(".focal-picker__status");
    var label = frame.getAttribute("aria-label");

    function read(input) {
      var value = parseFloat(input.value);
      return isNaN(value) ? 0.5 : clamp(value);
    }

    function show(announce) {
      var x = read(xInput), y = read(yInput);
      marker.style.left = x * 100 + "%";
      marker.style.top = y * 100 + "%";
      var where = percent(x) + " / " + percent(y);
      frame.setAttribute("aria-label", label + ": " + where);
      if (announce) status.textContent = where;
    }

    function move(x, y) {
      xInput.value = clamp(x);
      yInput.value = clamp(y);
      show(true);
    }

    frame.addEventListener("click", function (event) {
      if (event.detail === 0) return; // Enter or Space on the focused button: no position
      var box = frame.getBoundingClientRect();
      move((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
    });
    frame.addEventListener("keydown", function (event) {
      var direction = KEYS[event.key];
      if (!direction) return;
      event.preventDefault();
      var step = event.shiftKey ? FINE_STEP : STEP;
      move(read(xInput) + direction[0] * step, read(yInput) + direction[1] * step);
    });
    xInput.addEventListener("input", function () { show(false); });
    yInput.addEventListener("input", function () { show(false); });
    picker.hidden = false;
    show(false);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".focal-picker"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
