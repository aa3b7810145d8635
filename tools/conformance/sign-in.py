#!/usr/bin/env python3
"""Plays the user for the conformance suite's authorization-code-grant scenario against the
github-proxy recipe: opens the authorization URL, signs in at the GitHub emulator, authorizes the
OAuth App, allows the MCP client on the proxy's consent page, and delivers the final redirect to
the suite's callback server. Standard library only.

Usage: sign-in.py AUTHORIZATION_URL LOGIN PASSWORD CALLBACK_PREFIX
"""
import html
import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # every hop is looked at: the last one goes to the suite, not through urllib


def main(url, login, password, callback_prefix):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), KeepRedirects)
    form = None
    for _ in range(20):
        status, headers, body = send(opener, url, form)
        form = None
        if status in (301, 302, 303):
            url = urllib.parse.urljoin(url, headers["Location"])
            if url.startswith(callback_prefix):
                send(opener, url, None)
                print("sign-in.py: delivered the authorization response to the suite")
                return 0
        elif 'type="password"' in body:  # the emulator's GitHub sign-in page
            url, form = post_target(body, url, login=login, password=password)
        elif 'name="authorize"' in body:  # GitHub's "Authorize application" page
            url, form = post_target(body, url, authorize="1")
        elif 'name="accept"' in body:  # the proxy's own consent page
            url, form = post_target(body, url, accept="yes")
        else:
            print(f"sign-in.py: no form to act on at {url} (HTTP {status}): {body[:300]}", file=sys.stderr)
            return 1
    print("sign-in.py: too many steps", file=sys.stderr)
    return 1


def send(opener, url, form):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def post_target(body, base, **fields):
    action = re.search(r'<form method="post" action="([^"]+)"', body).group(1)
    hidden = {html.unescape(name): html.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body)}
    hidden.update(fields)
    return urllib.parse.urljoin(base, html.unescape(action)), hidden


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
