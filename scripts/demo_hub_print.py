#!/usr/bin/env python3
"""Prints the hub's answers as the demo shows them: `fleet` (GET /boxes), `report`
(GET /reports/airtime) or `receipts` (GET /emergencies/ID/receipts), JSON on stdin."""
import json
import sys


def fleet(boxes):
    head = ("HUYỆN", "XÃ", "HỘP", "TRỰC TUYẾN", "ĐANG PHÁT", "PHIÊN BẢN", "DÒNG NHẬT KÝ", "CẢNH BÁO")
    rows = [head]
    for b in boxes:
        playing = ", ".join(c["name"] for c in b["channels"] if c["state"] == "playing") or "nghỉ"
        rows.append((b["district"], b["commune"], b["id"], "có" if b["online"] else "không", playing,
                     b["version"] or "-", str(b["chain_rows"]), str(len(b["alerts"]))))
    table(rows)


def report(r):
    chain = "toàn vẹn" if r["chain_breaks"] == 0 else "có chỗ đứt"
    print("%s — %s–%s; chuỗi nhật ký: %s" % (r["province"], r["from"], r["to"], chain))
    rows = [("XÃ", "LƯỢT PHÁT", "THỜI LƯỢNG", "TỶ LỆ", "HỘP", "HỘP IM LẶNG")]
    for line in r["lines"] + [dict(r["total"], label="Tổng cộng")]:
        c = "-" if line["compliance"] is None else "%.1f%%" % (100 * line["compliance"])
        rows.append((line["label"], str(line["plays"]), line["airtime_hms"], c, str(line["boxes"]),
                     str(line["boxes_silent"])))
    table(rows)


STATES = {"airing": "đang phát", "aired": "đã phát", "not_yet": "chưa phát",
          "offline": "mất kết nối", "not_aired": "không phát"}


def receipts(r):
    print("%s — gửi tới: %s" % (r["text"], ", ".join(r["targets"]["district_names"]) or "toàn tỉnh"))
    rows = [("HUYỆN", "XÃ", "HỘP", "TRẠNG THÁI", "ĐÃ NHẬN", "BẮT ĐẦU", "KÊNH")]
    for b in r["boxes"]:
        channels = b["airing_on"] or b.get("channels", [])
        rows.append((b["district"], b["commune"], b["box"], STATES[b["state"]], b["received_at"] or "-",
                     b.get("started_at", "-"), ", ".join(channels) or "-"))
    table(rows)


def table(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


if __name__ == "__main__":
    data = json.load(sys.stdin)
    {"fleet": fleet, "report": report, "receipts": receipts}[sys.argv[1]](data)
