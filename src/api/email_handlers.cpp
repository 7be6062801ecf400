#include "api/email_handlers.hpp"

#include "api/client_info.hpp"
#include "api/page_template.hpp"
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

Response accepted() { return Response::json_text(202, R"({"status":"accepted"})"); }

// A mailed link that is missing, unknown, used or expired.
Response link_problem_page(const StaticFiles& pages) { return pages.render(rendered::kLinkInvalid, 400, {}); }

// A failure of a page's own form (or of a mailed link) as a page rather than JSON: the status,
// headers (Retry-After) and log fields of the problem, its public detail in words.
Response problem_page(const StaticFiles& pages, const Error& error) {
  auto problem = http::problem(error);
  const PageValue values[] = {{"message", std::string(http::public_detail(error))}};
  auto page = pages.render(rendered::kProblem, problem.status, values);
  for (auto& h : problem.headers) page.headers.push_back(std::move(h));
  page.error_code = std::move(problem.error_code);
  page.error_reason = std::move(problem.error_reason);
  return page;
}

// The reset form for `token`, with `message` (why the last try was refused) under the field.
Response reset_form(const StaticFiles& pages, int status, std::string_view token, std::string_view message) {
  const PageValue values[] = {{"token", std::string(token)}, {"message", std::string(message)}};
  return pages.render(rendered::kResetPassword, status, values);
}

}  // namespace

Response verify_email_page(Services& s, const StaticFiles& pages, Request& req) {
  const auto token = req.query_value("token");
  if (!token || token->empty()) return link_problem_page(pages);
  // Checked without using it, so an expired link says so at once.
  if (auto usable = s.email->check_verification(*token); !usable) {
    if (usable.code() != errc::invalid_one_time_token) return problem_page(pages, usable.error());
    return link_problem_page(pages);
  }
  const PageValue values[] = {{"token", std::string(*token)}};
  return pages.render(rendered::kVerifyEmail, 200, values);
}

Response verify_email(Services& s, const StaticFiles& pages, Request& req) {
  const bool page = wants_page(req);
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto token = body->required_string("token");
  if (!token) return page ? link_problem_page(pages) : http::problem(token.error());
  auto user = s.email->verify_email(*token, client_of(req));
  if (!user) {
    if (page && user.code() == errc::invalid_one_time_token) return link_problem_page(pages);
    return page ? problem_page(pages, user.error()) : http::problem(user.error());
  }
  if (!page) return Response::json(200, user_json(*user));
  if (!s.web.verify_redirect.empty()) {
    auto r = Response::no_content();
    r.status = 303;
    r.with_header("Location", s.web.verify_redirect);
    return r;
  }
  return pages.render(rendered::kEmailVerified, 200, {});
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

Response reset_password(Services& s, const StaticFiles& pages, Request& req) {
  const bool page = wants_page(req);
  auto body = Body::parse(req);
  if (!body) return http::problem(body.error());
  auto token = body->required_string("token");
  if (!token) return page ? link_problem_page(pages) : http::problem(token.error());
  auto password = body->required_string("new_password");
  if (!password) {
    return page ? reset_form(pages, http::status_of(password.code()), *token, "Enter a new password.")
                : http::problem(password.error());
  }
  auto done = s.email->reset_password(*token, *password, client_of(req));
  if (!done) {
    if (!page) return http::problem(done.error());
    if (done.code() == errc::invalid_one_time_token) return link_problem_page(pages);
    if (done.code() == errc::weak_password || done.code() == errc::invalid_request) {
      return reset_form(pages, http::status_of(done.code()), *token, http::public_detail(done.error()));
    }
    return problem_page(pages, done.error());
  }
  if (!page) return Response::no_content();
  return pages.render(rendered::kPasswordChanged, 200, {});
}

Response reset_password_page(const StaticFiles& pages, Request& req) {
  const auto token = req.query_value("token");
  if (!token || token->empty()) return link_problem_page(pages);
  return reset_form(pages, 200, *token, "");
}

}  // namespace tessera::api
