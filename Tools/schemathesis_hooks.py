import os
import time
import requests
import schemathesis

BASE = os.environ["LANTOA_CONTRACT_BASE"]

@schemathesis.auth(retry_on=[401])
class AdminToken:
    def get(self, case, ctx):
        # A 503 (no database connection in time, or SQLite's writer busy under the run's load) is documented as
        # "send it again after Retry-After": signing in again does so, as the phone app does, up to five times.
        for _ in range(5):
            r = requests.post(f"{BASE}/api/v1/auth/login", json={
                "login": os.environ["LANTOA_CONTRACT_LOGIN"], "password": os.environ["LANTOA_CONTRACT_PASSWORD"]}, timeout=30)
            if r.status_code != 503:
                break
            time.sleep(int(r.headers.get("Retry-After", "1")))
        r.raise_for_status()
        return r.json()["token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
