// Sign-in form. Errors come from the server verbatim ("wrong username or password", rate limits),
// shown in an alert region so screen readers announce them.

import { api } from "../api.js";
import { h, safeText } from "../dom.js";

/** The login screen; calls onSignedIn(loginResponse) once the server accepts the password. */
export function loginScreen({ notice, onSignedIn }) {
  const username = h("input#username", {
    name: "username", type: "text", autocomplete: "username", autocapitalize: "none",
    autocorrect: "off", spellcheck: "false", enterkeyhint: "next", required: true,
  });
  const password = h("input#password", {
    name: "password", type: "password", autocomplete: "current-password", enterkeyhint: "go", required: true,
  });
  const error = h("p#login-error.error", { role: "alert" });
  const submit = h("button.primary.wide", { type: "submit" }, "Sign in");

  const form = h(
    "form.card.login-form",
    { novalidate: true, "aria-describedby": "login-error", onsubmit: signIn },
    notice && h("p.notice", { role: "status" }, notice),
    h("div.field", h("label", { for: "username" }, "Username"), username),
    h("div.field", h("label", { for: "password" }, "Password"), password),
    error,
    submit,
  );

  const root = h(
    "section.screen.login",
    h(
      "div.login-head",
      h("img.login-logo", { src: "/static/icons/icon-192.png", alt: "", width: 72, height: 72 }),
      h("h1", "Sign in"),
      h("p.muted", "Use the account your supervisor set up for you."),
    ),
    form,
  );

  async function signIn(event) {
    event.preventDefault();
    if (!username.value.trim() || !password.value) {
      error.textContent = "Enter your username and password.";
      (username.value.trim() ? password : username).focus();
      return;
    }
    error.textContent = "";
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      const login = await api.login(username.value.trim(), password.value);
      onSignedIn(login);
    } catch (problem) {
      error.textContent = safeText(problem.message);
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  }

  return { root, title: "Sign in" };
}
