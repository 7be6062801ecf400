#include "api/email_handlers.hpp"

#include <boost/json/parse.hpp>

#include "api/client_info.hpp"
#include "api/html.hpp"
#include "api/views.hpp"
#include "http/body.hpp"
#include "http/dispatcher.hpp"
#include "http/problem.hpp"

namespace tessera::api {
namespace {

using http::Body;
using http::Request;
using http::Response;

// The page's own form posts a form and accepts HTML; API clients send JSON.
bool wants_page(const Request& req) {
  return http::is_form(req.header("content-type")) && req.header("accept").find("text/html") != std::string_view::npos;
}

// The module that enhances the reset form (web/assets/reset-password.js): the same request as
// JSON, the policy's reasons next to the field, no page load. Without it the form still works.
constexpr std::string_view kResetScript = "/assets/reset-password.js";

Response accepted() { return Response::json_text(202, R"({"status":"accepted"})"); }

Response link_problem_page(const Services& s) {
  return html_page(400, "Link invalid or expired",
                   "<h1>This link is invalid or has expired</h1>\n<p>Links in " + html_escape(s.web.product_name) +
                       " emails work once and for a limited time. Ask for a new one from the sign-in page.</p>\n"
                       "<p class=\"links\"><a href=\"/forgot-password\">Reset your password</a> "
                       "<a href=\"/\">Log in</a></p>");
}

// A failure of a page's own form (or of a mailed link) as a page rather than JSON: the status,
// headers (Retry-After) and log fields of the problem, its public detail in words.
Response problem_page(const Error& error) {
  auto problem = http::problem(error);
  std::string detail = "Something went wrong on our side.";
  std::error_code ec;
  if (auto v = boost::json::parse(problem.body, ec); !ec && v.is_object()) {
    if (const auto* d = v.as_object().if_contains("detail"); d != nullptr && d->is_string()) detail = d->as_string();
  }
  auto page = html_page(problem.status, "Something went wrong",
                        "<h1>That did not work</h1>\n<p class=\"error\" role=\"alert\">" + html_escape(detail) +
                            "</p>\n<p>Wait a moment, then go back and try again.</p>\n"
                            "<p class=\"links\"><a href=\"/\">Log in</a></p>");
  for (auto& h : problem.headers) page.headers.push_back(std::move(h));
  page.error_code = std::move(problem.error_code);
  page.error_reason = std::move(problem.error_reason);
  return page;
}

}  // namespace

Response verify_email_page(Services& s, Request& req) {
  const auto token = req.query_value("token");
  if (!token || token->empty()) return link_problem_page(s);
  // Checked without using it, so an expired link says so at once.
  if (auto usable = s.email->check_verification(*token); !usable) {
    if (usable.code() != errc::invalid_one_time_token) return problem_page(usable.error());
    return link_problem_page(s);
  }
  return html_page(200, "Confirm your email",
                   "<h1>Confirm your email</h1>\n<p>Press the button to confirm your address for " +
                       html_escape(s.web.product_name) + ".</p>\n"
                       "<form class=\"stack\" method=\"post\" action=\"/auth/verify-email\">\n"
                       "<input type=\"hidden\" name=\"token\" value=\"" + html_escape(*token) + "\">\n"
                       "<button type=\"submit\" class=\"primary\">Confirm my email</button>\n</form>");
}

Response verify_email(Services& s, Request& req) {
  const bool page = wants_page(req);
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto token = body->required_string("token");
  if (!token) return page ? link_problem_page(s) : http::problem(token.error());
  auto user = s.email->verify_email(*token, client_of(req));
  if (!user) {
    if (page && user.code() == errc::invalid_one_time_token) return link_problem_page(s);
    return page ? problem_page(user.error()) : http::problem(user.error());
  }
  if (!page) return Response::json(200, user_json(*user));
  if (!s.web.verify_redirect.empty()) {
    auto r = Response::no_content();
    r.status = 303;
    r.with_header("Location", s.web.verify_redirect);
    return r;
  }
  return html_page(200, "Email confirmed",
                   "<h1>Your email is confirmed</h1>\n<p class=\"notice success\" role=\"status\">Thank you. Your address is "
                   "verified.</p>\n<p class=\"links\"><a href=\"/account\">Go to your account</a> "
                   "<a href=\"/\">Log in</a></p>");
}

Response resend_verification(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto email = body->required_string("email");
  if (!email) return http::problem(email.error());
  if (auto r = s.email->resend_verification(*email, client_of(req)); !r) return http::problem(r.error());
  return accepted();
}

Response forgot_password(Services& s, Request& req) {
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto email = body->required_string("email");
  if (!email) return http::problem(email.error());
  if (auto r = s.email->request_password_reset(*email, client_of(req)); !r) return http::problem(r.error());
  return accepted();
}

namespace {

// The rules the password policy applies (domain/password_policy.cpp), in words.
constexpr std::string_view kPasswordRules =
    "<div class=\"hint\" id=\"password-rules\"><p>Use at least 8 characters; a few unrelated words make a "
    "strong, memorable passphrase. Any characters are allowed, spaces too.</p><p>Refused: common passwords, ones that "
    "are easy to guess, and ones built from your email or username.</p></div>\n";

std::string reset_form(std::string_view token, std::string_view message) {
  std::string html = "<h1>Choose a new password</h1>\n";
  html += "<form id=\"reset-form\" class=\"stack\" method=\"post\" action=\"/auth/password/reset\">\n"
          "<input type=\"hidden\" name=\"token\" value=\"" + html_escape(token) + "\">\n"
          "<div class=\"field\">\n<label for=\"new_password\">New password</label>\n"
          "<input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\" "
          "required maxlength=\"256\" aria-describedby=\"password-rules form-error\">\n";
  html += kPasswordRules;
  html += "<ul class=\"reasons\" id=\"password-reasons\" hidden></ul>\n</div>\n";
  html += "<p class=\"error\" id=\"form-error\" role=\"alert\">" + html_escape(message) + "</p>\n";
  html += "<button type=\"submit\" class=\"primary\">Set the new password</button>\n</form>\n";
  html += "<p class=\"links\"><a href=\"/forgot-password\">Ask for a new link</a> <a href=\"/\">Log in</a></p>";
  return html;
}

}  // namespace

Response reset_password(Services& s, Request& req) {
  const bool page = wants_page(req);
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto token = body->required_string("token");
  if (!token) return page ? link_problem_page(s) : http::problem(token.error());
  auto password = body->required_string("new_password");
  if (!password) {
    return page ? html_page(400, "Choose a new password", reset_form(*token, "Enter a new password."), kResetScript)
                : http::problem(password.error());
  }
  auto done = s.email->reset_password(*token, *password, client_of(req));
  if (!done) {
    if (!page) return http::problem(done.error());
    if (done.code() == errc::invalid_one_time_token) return link_problem_page(s);
    if (done.code() == errc::weak_password || done.code() == errc::invalid_request) {
      return html_page(done.code() == errc::weak_password ? 422 : 400, "Choose a new password",
                       reset_form(*token, done.error().detail), kResetScript);
    }
    return problem_page(done.error());
  }
  if (!page) return Response::no_content();
  return html_page(200, "Password changed",
                   "<h1>Your password has been changed</h1>\n<p class=\"notice success\" role=\"status\">Every session was "
                   "signed out.</p>\n<p class=\"links\"><a href=\"/\">Log in with the new password</a></p>");
}

Response reset_password_page(Services& s, Request& req) {
  const auto token = req.query_value("token");
  if (!token || token->empty()) return link_problem_page(s);
  return html_page(200, "Choose a new password", reset_form(*token, ""), kResetScript);
}

}  // namespace tessera::api
