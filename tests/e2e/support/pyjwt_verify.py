"""Verifies an access token with PyJWT (Debian's python3-jwt), as a Python resource server would:
the key from the JWKS by kid (PyJWKClient), then jwt.decode with the algorithm, issuer and
audience pinned. Prints the claims as JSON, or exits 1 with PyJWT's error."""
import json
import sys

import jwt

token, jwks_url, issuer, algorithm = sys.argv[1:5]
try:
    key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token).key
    claims = jwt.decode(token, key, algorithms=[algorithm], issuer=issuer, audience=issuer)
except jwt.PyJWTError as e:
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(claims))
