"""The replay server: routes matched on a POST's JSON body, and what it received."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from crawler.replay import ReplayServer, load_routes


def post(server: ReplayServer, path: str, payload: object) -> tuple[int, bytes]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(
        server.url + path, data=data, method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_json_body_picks_the_route_whose_keys_the_body_has():
    with ReplayServer() as server:
        server.add("/jobs", {"page": "first"}, method="POST",
                   json_body={"offset": 0, "appliedFacets": {}})  # fmt: skip
        server.add("/jobs", {"page": "second"}, method="POST", json_body={"offset": 20})
        server.add("/jobs", {"page": "slice"}, method="POST",
                   json_body={"offset": 0, "appliedFacets": {"locations": ["sf"]}})  # fmt: skip

        base = {"limit": 20, "searchText": ""}
        assert post(server, "/jobs", {**base, "offset": 0, "appliedFacets": {}}) == (
            200, b'{"page": "first"}')  # fmt: skip
        # keys the route does not list (limit, searchText, appliedFacets) are ignored
        assert post(server, "/jobs", {**base, "offset": 20, "appliedFacets": {"x": ["y"]}})[1] == (
            b'{"page": "second"}')  # fmt: skip
        assert post(server, "/jobs", {"offset": 0, "appliedFacets": {"locations": ["sf"]}})[1] == (
            b'{"page": "slice"}')  # fmt: skip
        # a value that differs, a missing key, or a body that is not JSON: no route
        assert post(server, "/jobs", {"offset": 40, "appliedFacets": {}})[0] == 404
        assert post(server, "/jobs", {"appliedFacets": {}})[0] == 404
        assert post(server, "/jobs", b"offset=0")[0] == 404
        assert len(server.unmatched) == 3
        assert server.received[0][:2] == ("POST", "/jobs")
        assert json.loads(server.received[0][2])["offset"] == 0


def test_routes_without_json_body_still_match_any_body(tmp_path):
    (tmp_path / "jobs.json").write_text('{"jobs": []}')
    routes_file = tmp_path / "routes.json"
    routes_file.write_text(json.dumps({"routes": [
        {"path": "/any", "method": "POST", "body_file": "jobs.json"},
        {"path": "/only20", "method": "POST", "json_body": {"offset": 20}, "body": {"ok": 1}},
    ]}))  # fmt: skip
    with ReplayServer(load_routes(routes_file)) as server:
        assert post(server, "/any", {"offset": 99}) == (200, b'{"jobs": []}')
        assert post(server, "/any", b"not json")[0] == 200
        assert post(server, "/only20", {"offset": 20}) == (200, b'{"ok": 1}')
        assert post(server, "/only20", {"offset": 0})[0] == 404
