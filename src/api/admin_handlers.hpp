#pragma once
// The admin API (SPEC §2; role `admin`): users and the audit log.
#include "api/routes.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

http::Response admin_list_users(Services& s, http::Request& req);
http::Response admin_get_user(Services& s, http::Request& req);
http::Response admin_update_user(Services& s, http::Request& req);
http::Response admin_delete_user(Services& s, http::Request& req);
http::Response admin_revoke_sessions(Services& s, http::Request& req);
http::Response admin_audit(Services& s, http::Request& req);
// POST /admin/users/import: an NDJSON body in the user import format (api/user_lines.hpp);
// ?existing=refuse|skip|update, ?dry_run=true, ?atomic=true as the CLI's flags.
http::Response admin_import_users(Services& s, http::Request& req);

}  // namespace tessera::api
