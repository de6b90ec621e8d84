from rest_framework.test import APIClient
def test_anon_docs(db):
    r = APIClient().get("/api/docs/")
    print("STATUS", r.status_code, r.content[:200])
