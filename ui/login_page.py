"""What Gradio's login page does not say by itself: that a login was refused because of too
many failed tries (the guard's 429), and when to try again. Gradio's page shows a message only
for its own 400 ("incorrect credentials") and nothing for any other answer, so the guard adds a
small script to the login page (and only to it) that shows the 429's reason and time."""

from __future__ import annotations

# The page posts its form with the global fetch: wrapping it sees every login's answer. The
# message is the same whether or not the name exists (the guard slows unknown names alike).
# Gradio's "incorrect credentials" from an earlier try is hidden while the notice shows: both at
# once would contradict each other.
LOGIN_SCRIPT = b"""<style>.cq-login-refused .wrap p.creds { display: none; }</style>
<script>
(() => {
  const sent = window.fetch;
  window.fetch = async (...args) => {
    const response = await sent(...args);
    const url = String(args[0] && args[0].url || args[0]);
    if (!/\\/login\\/?$/.test(new URL(url, location.href).pathname)) return response;
    let notice = document.getElementById("cq-login-notice");
    document.body.classList.toggle("cq-login-refused", response.status === 429);
    if (response.status !== 429) { notice?.remove(); return response; }
    const seconds = Math.max(1, parseInt(response.headers.get("Retry-After") || "1", 10));
    const at = new Date(Date.now() + seconds * 1000).toLocaleTimeString();
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "cq-login-notice";
      notice.setAttribute("role", "alert");
      notice.style.cssText = "color: var(--error-text-color, #b91c1c); font-weight: 600; margin: 8px 0;";
      const heading = document.querySelector(".wrap h2");
      heading ? heading.after(notice) : document.body.prepend(notice);
    }
    notice.textContent = `Too many failed logins for this name or from this address. ` +
      `Try again in ${seconds} s (at ${at}).`;
    return response;
  };
})();
</script>"""


async def with_login_script(app, scope, receive, send) -> None:
    """Run ``app`` for a request of the login page, adding ``LOGIN_SCRIPT`` to its HTML head."""
    start: dict = {}
    body: list[bytes] = []

    async def adding_script(message):
        if message["type"] == "http.response.start":
            start.update(message)  # held until the body is whole: its length changes
            return
        if message["type"] != "http.response.body" or not start:
            return await send(message)
        body.append(message.get("body", b""))
        if message.get("more_body"):
            return
        html = b"".join(body)
        headers = dict(start.get("headers", []))
        if headers.get(b"content-type", b"").startswith(b"text/html") and b"</head>" in html:
            html = html.replace(b"</head>", LOGIN_SCRIPT + b"</head>", 1)
        start["headers"] = [(k, str(len(html)).encode() if k.lower() == b"content-length" else v)
                            for k, v in start.get("headers", [])]
        await send(start)
        await send({"type": "http.response.body", "body": html})

    await app(scope, receive, adding_script)
