"""Reads a feed with Python's feedparser, as many feed readers and services do, and
prints what it saw as JSON: whether the feed was well-formed (bozo), and for every
entry its title, link, id, author, date and content."""

import json
import sys

import feedparser

parsed = feedparser.parse(sys.argv[1])
print(
    json.dumps(
        {
            "bozo": int(parsed.bozo),
            "bozo_exception": str(parsed.get("bozo_exception", "")),
            "version": parsed.get("version"),
            "status": parsed.get("status"),
            "feed_title": parsed.feed.get("title"),
            "feed_links": [link.get("rel") for link in parsed.feed.get("links", [])],
            "entries": [
                {
                    "title": entry.get("title"),
                    "link": entry.get("link"),
                    "id": entry.get("id"),
                    "author": entry.get("author"),
                    "date": entry.get("published") or entry.get("updated"),
                    "content": (entry.get("content") or [{}])[0].get("value") or entry.get("summary"),
                    "tags": [tag.get("term") for tag in entry.get("tags", [])],
                }
                for entry in parsed.entries
            ],
        }
    )
)
