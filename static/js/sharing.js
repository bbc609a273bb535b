/* Likes in the sharing feed without a page reload: the like form posts with fetch() and
   updates its count. Without JavaScript the same form posts normally and the page returns. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("like-form") || !window.fetch) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button.disabled) {
      return;
    }
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("like failed: " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        button.classList.toggle("liked", data.liked);
        button.setAttribute("aria-pressed", data.liked ? "true" : "false");
        form.querySelector(".like-count").textContent = String(data.count);
        button.disabled = false;
      })
      .catch(function () {
        form.submit(); // fall back to the plain post
      });
  });
})();
