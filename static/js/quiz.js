// Attempt page: the live timer and autosave. Everything else works without this file:
// the form posts the whole answer sheet and the server keeps the deadline.
(function () {
  "use strict";

  var form = document.getElementById("attempt-form");
  if (!form) { return; }

  var csrf = form.querySelector("input[name=csrf_token]").value;
  var seqInput = document.getElementById("seq");
  var saveState = document.getElementById("save-state");
  var warning = document.getElementById("connection-warning");
  var dirty = false;
  var saving = false;
  var closed = false;
  var debounce = null;

  function message(name, n) {
    var text = form.getAttribute("data-msg-" + name) || "";
    return text.replace("{n}", String(n));
  }

  // The whole answer sheet, the same shape the API takes.
  function collectAnswers() {
    var answers = {};
    var fields = form.querySelectorAll("[name^='q-']");
    fields.forEach(function (field) {
      var id = field.name.slice(2);
      if (field.type === "checkbox") {
        if (!Array.isArray(answers[id])) { answers[id] = []; }
        if (field.checked) { answers[id].push(field.value); }
      } else if (field.type === "radio") {
        if (!(id in answers)) { answers[id] = null; }
        if (field.checked) { answers[id] = field.value; }
      } else {
        answers[id] = field.value === "" ? null : field.value;
      }
    });
    Object.keys(answers).forEach(function (id) {
      if (Array.isArray(answers[id]) && answers[id].length === 0) { answers[id] = null; }
    });
    return answers;
  }

  function save() {
    if (saving || closed || !dirty) { return Promise.resolve(); }
    saving = true;
    dirty = false;
    var seq = parseInt(seqInput.value, 10);
    saveState.textContent = message("saving");
    return fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answers: collectAnswers(), seq: seq })
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (res) {
      warning.hidden = true;
      if (res.status === 200) {
        seqInput.value = String(res.body.seq + 1);
        var at = new Date(res.body.saved_at);
        saveState.textContent = message("saved") + " " + at.toLocaleTimeString();
      } else if (res.status === 409 && res.body.error && res.body.error.code === "stale_seq") {
        // Another window saved later: continue after its number, keep this page's answers.
        seqInput.value = String((res.body.error.last_seq || seq) + 1);
        dirty = true;
      } else if (res.status === 409) {
        closed = true;
        window.location.assign(res.body.result_url || form.getAttribute("data-result-url"));
      } else {
        dirty = true;
        saveState.textContent = message("unsaved");
      }
    }).catch(function () {
      dirty = true;
      warning.hidden = false;
      saveState.textContent = message("unsaved");
    }).then(function () { saving = false; });
  }

  function changed() {
    dirty = true;
    saveState.textContent = message("unsaved");
    clearTimeout(debounce);
    debounce = setTimeout(save, 1500);
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
  setInterval(save, 10000);
  window.addEventListener("online", save);
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !closed) { event.preventDefault(); event.returnValue = ""; }
  });
  form.addEventListener("submit", function () { closed = true; });

  // Timer: the server's deadline and clock; the browser's clock only measures the
  // time passed since the page came, so a wrong client clock changes nothing.
  var timer = document.getElementById("timer");
  if (!timer) { return; }
  var deadline = Date.parse(timer.getAttribute("data-deadline"));
  var serverNow = Date.parse(timer.getAttribute("data-now"));
  var loadedAt = Date.now();
  var value = document.getElementById("timer-value");
  var announce = document.getElementById("timer-announce");
  var announced = {};
  var milestones = [30 * 60, 15 * 60, 10 * 60, 5 * 60, 60, 30];

  function tick() {
    var left = Math.max(0, Math.round((deadline - (serverNow + Date.now() - loadedAt)) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    timer.classList.toggle("timer--low", left <= 60);
    milestones.forEach(function (m) {
      if (left <= m && left > m - 5 && !announced[m]) {
        announced[m] = true;
        announce.textContent = m >= 60 ? message("minutes", m / 60) : message("seconds", m);
      }
    });
    if (left === 0 && !closed) {
      closed = true;
      announce.textContent = message("timeup");
      document.getElementById("timeup").value = "1";
      form.submit();
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
}());
