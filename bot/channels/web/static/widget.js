// The chat on any page: <script src="https://bot.example/chat/widget.js" defer></script>
// A round button opens the chat in a frame (served by the bot, so its cookie and posts stay
// with the bot); the frame may only be shown on the sites in WEB_CHAT_ORIGINS.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = script.src.replace(/\/widget\.js(\?.*)?$/, "");
  var label = script.getAttribute("data-label") || "Wegweiser";
  var side = document.documentElement.dir === "rtl" ? "left" : "right";
  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-expanded", "false");
  button.textContent = "\uD83D\uDCAC";
  button.style.cssText = "position:fixed;bottom:16px;" + side + ":16px;width:56px;height:56px;" +
    "border-radius:50%;border:0;background:#0b4f8a;color:#fff;font-size:26px;cursor:pointer;" +
    "box-shadow:0 2px 10px rgba(0,0,0,.3);z-index:2147483646";
  var frame = null;
  button.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = base + "/?embed=1";
      frame.title = label;
      frame.style.cssText = "position:fixed;bottom:84px;" + side + ":16px;width:min(400px,calc(100vw - 32px));" +
        "height:min(640px,calc(100vh - 110px));border:1px solid #c4cad1;border-radius:12px;" +
        "background:#fff;box-shadow:0 4px 24px rgba(0,0,0,.25);z-index:2147483647";
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    button.setAttribute("aria-expanded", String(!frame.hidden));
  });
  document.body.appendChild(button);
})();
