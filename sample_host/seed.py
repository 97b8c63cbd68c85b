"""``flask --app sample_host seed``: two demo tenants with users, clients, assets and tickets.

Idempotent: every row is looked up by its natural key (tenant slug, e-mail, client name, asset name
within its client, ticket title) and only created when missing; existing rows are left exactly as
they are, so re-running it never undoes what someone changed in the demo.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import ticketing
from .database import db
from .models import Asset, Client, Site, Tenant, Ticket, User, utcnow

#: The password of every demo user. Demo data only: never seed a reachable deployment with it.
DEMO_PASSWORD = "demo1234"

_GiB = 1024**3


def _volumes(*volumes: tuple[str, int, int]) -> list[dict[str, Any]]:
    return [
        {"name": name, "capacity_bytes": size * _GiB, "free_bytes": free * _GiB, "file_system": "NTFS"}
        for name, size, free in volumes
    ]


TENANTS: list[dict[str, Any]] = [
    {
        "slug": "acme",
        "name": "Acme MSP",
        "users": [
            ("admin@acme.test", "Ada Park", "admin"),
            ("tech@acme.test", "Tomás Reyes", "technician"),
            ("viewer@acme.test", "Val Chen", "viewer"),
        ],
        "clients": {
            "Northwind Traders": "Wholesale food distributor, 45 seats, on-prem AD.",
            "Contoso Dental Group": "Three practices; imaging server at the main office.",
            "Fabrikam Legal LLP": "Law firm, Microsoft 365, strict retention rules.",
            "Tailspin Toys": "Retail + warehouse, UniFi network.",
        },
        # Sites NinjaOne locations map onto; the fake's locations are named like the first two.
        "sites": {
            "Northwind Traders": ["Main Office", "Warehouse", "Harbour Depot"],
            "Tailspin Toys": ["Main Office", "Flagship Store"],
        },
        "assets": [
            {
                "client": "Northwind Traders",
                "name": "NWT-DC01",
                "asset_type": "server",
                "manufacturer": "Dell Inc.",
                "model": "PowerEdge R650",
                "serial_number": "7XK2M93",
                "os_name": "Windows Server 2022 Standard",
                "os_version": "21H2",
                "os_build": "20348.2340",
                "os_architecture": "64-bit",
                "cpu_model": "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz",
                "cpu_cores": 16,
                "ram_gb": 64,
                "storage_total_gb": 1788,
                "ip_addresses": ["10.10.0.10"],
                "mac_addresses": ["B0:7B:25:1A:4C:10"],
                "last_user": "NORTHWIND\\administrator",
                "agent_status": "online",
                "details": {"cpu_count": 1, "volumes": _volumes(("C:", 240, 17), ("D:", 1548, 903))},
            },
            {
                "client": "Northwind Traders",
                "name": "NWT-FS01",
                "asset_type": "server",
                "is_virtual": True,
                "manufacturer": "VMware, Inc.",
                "model": "VMware Virtual Platform",
                "serial_number": "VMware-42 1a 7c 3e 9b 55 0d 21",
                "os_name": "Windows Server 2019 Standard",
                "os_build": "17763.5458",
                "os_architecture": "64-bit",
                "cpu_model": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
                "cpu_cores": 4,
                "ram_gb": 16,
                "storage_total_gb": 2048,
                "ip_addresses": ["10.10.0.20"],
                "agent_status": "online",
                "details": {"volumes": _volumes(("C:", 100, 41), ("E:", 1948, 611))},
            },
            {
                "client": "Northwind Traders",
                "name": "NWT-LT-014",
                "asset_type": "workstation",
                "manufacturer": "Lenovo",
                "model": "ThinkPad T14 Gen 3",
                "serial_number": "PF3KX8QZ",
                "os_name": "Windows 11 Pro",
                "os_version": "23H2",
                "os_architecture": "64-bit",
                "cpu_model": "12th Gen Intel(R) Core(TM) i5-1245U",
                "cpu_cores": 10,
                "ram_gb": 16,
                "storage_total_gb": 512,
                "ip_addresses": ["10.10.2.54"],
                "last_user": "NORTHWIND\\jlopez",
                "agent_status": "offline",
            },
            {
                "client": "Contoso Dental Group",
                "name": "CDG-RECEPTION",
                "asset_type": "workstation",
                "manufacturer": "HP",
                "model": "EliteDesk 800 G6 SFF",
                "serial_number": "MXL0341ABC",
                "os_name": "Windows 10 Pro",
                "os_version": "22H2",
                "cpu_model": "Intel(R) Core(TM) i5-10500",
                "cpu_cores": 6,
                "ram_gb": 8,
                "storage_total_gb": 256,
                "ip_addresses": ["192.168.20.31"],
                "last_user": "CONTOSO\\frontdesk",
                "agent_status": "online",
            },
            {
                "client": "Contoso Dental Group",
                "name": "CDG-FW01",
                "asset_type": "network_device",
                "manufacturer": "Fortinet",
                "model": "FortiGate 60F",
                "serial_number": "FGT60FTK21001234",
                "ip_addresses": ["192.168.20.1", "203.0.113.24"],
                "mac_addresses": ["70:4C:A5:11:22:33"],
                "agent_status": "online",
            },
            {
                "client": "Contoso Dental Group",
                "name": "CDG-PRN-FRONT",
                "asset_type": "printer",
                "manufacturer": "Brother",
                "model": "HL-L8360CDW",
                "serial_number": "U64189J0N123456",
                "ip_addresses": ["192.168.20.50"],
                "mac_addresses": ["30:05:5C:AA:BB:CC"],
            },
            {
                "client": "Fabrikam Legal LLP",
                "name": "FAB-IPHONE-MKT",
                "asset_type": "mobile",
                "manufacturer": "Apple",
                "model": "iPhone 14",
                "serial_number": "G6TZQ1X9N7",
                "os_name": "iOS",
                "os_version": "17.4.1",
                "last_user": "m.kowalski@fabrikam.example",
            },
            {
                "client": "Fabrikam Legal LLP",
                "name": "FAB-OLD-PC",
                "asset_type": "workstation",
                "status": "inactive",
                "inactive_reason": "Decommissioned, disk shredded",
                "manufacturer": "Dell Inc.",
                "model": "OptiPlex 7040",
                "serial_number": "4GHT2C2",
                "os_name": "Windows 10 Pro",
            },
            {
                "client": "Tailspin Toys",
                "name": "TT-SW-CORE",
                "asset_type": "network_device",
                "manufacturer": "Ubiquiti",
                "model": "UniFi USW-Pro-24-PoE",
                "serial_number": "F4E2C6A1B2C3",
                "ip_addresses": ["10.0.0.2"],
                "mac_addresses": ["F4:E2:C6:A1:B2:C3"],
                "agent_status": "online",
            },
        ],
        "tickets": [
            {
                "title": "Outlook keeps asking for the password",
                "client": "Contoso Dental Group",
                "priority": "high",
                "status": "in_progress",
                "board": "Service Desk",
                "created_by": "admin@acme.test",
                "assignee": "tech@acme.test",
                "assets": ["CDG-RECEPTION"],
                "description": "Front desk PC prompts for credentials every few minutes since Monday.",
                "notes": [
                    ("tech@acme.test", "Stale entry in Credential Manager; cleared it, watching.", True),
                ],
                "work": [("tech@acme.test", 20, "Remote session, cleared cached credentials")],
            },
            {
                "title": "Disk C: below 10% free on NWT-DC01",
                "client": "Northwind Traders",
                "priority": "urgent",
                "status": "open",
                "board": "Alerts",
                "source": "ninjaone",
                "assets": ["NWT-DC01"],
                "description": "Condition: disk free space below 10% on C: (7% free).",
                "notes": [(None, "Alert repeated: C: now at 6% free.", True)],
            },
            {
                "title": "Onboard new paralegal",
                "client": "Fabrikam Legal LLP",
                "priority": "medium",
                "status": "waiting",
                "board": "Projects",
                "created_by": "admin@acme.test",
                "assignee": "tech@acme.test",
                "description": "Account, laptop, DMS access and MFA enrolment for the new paralegal.",
                "notes": [("tech@acme.test", "Waiting on the start date from HR.", False)],
            },
            {
                "title": "Replace toner on front desk printer",
                "client": "Contoso Dental Group",
                "priority": "low",
                "status": "closed",
                "board": "Service Desk",
                "created_by": "tech@acme.test",
                "assignee": "tech@acme.test",
                "assets": ["CDG-PRN-FRONT"],
                "work": [("tech@acme.test", 10, "Swapped TN-436 black cartridge")],
                "close_note": "Toner replaced, test page OK.",
            },
        ],
    },
    {
        "slug": "globex",
        "name": "Globex IT",
        "users": [
            ("admin@globex.test", "Grace Okafor", "admin"),
            ("tech@globex.test", "Hank Miller", "technician"),
            ("viewer@globex.test", "Ivy Novak", "viewer"),
        ],
        "clients": {
            "Initech": "Software company, two floors, SQL-heavy line-of-business app.",
            "Vandelay Industries": "Import/export, mostly Macs.",
            "Wayne Property Group": "Property management; lobby kiosks and UPS units.",
        },
        "assets": [
            {
                "client": "Initech",
                "name": "INI-DC01",
                "asset_type": "server",
                "manufacturer": "HPE",
                "model": "ProLiant DL360 Gen10",
                "serial_number": "CZJ9360ABC",
                "os_name": "Windows Server 2022 Datacenter",
                "os_build": "20348.2227",
                "os_architecture": "64-bit",
                "cpu_model": "Intel(R) Xeon(R) Gold 5218 CPU @ 2.30GHz",
                "cpu_cores": 16,
                "ram_gb": 128,
                "storage_total_gb": 3600,
                "ip_addresses": ["172.16.0.10"],
                "agent_status": "online",
                "details": {"cpu_count": 2, "volumes": _volumes(("C:", 480, 201), ("D:", 3120, 1450))},
            },
            {
                "client": "Initech",
                "name": "INI-SQL01",
                "asset_type": "server",
                "is_virtual": True,
                "manufacturer": "Microsoft Corporation",
                "model": "Virtual Machine",
                "os_name": "Windows Server 2022 Standard",
                "cpu_model": "Intel(R) Xeon(R) Gold 5218 CPU @ 2.30GHz",
                "cpu_cores": 8,
                "ram_gb": 32,
                "storage_total_gb": 1024,
                "ip_addresses": ["172.16.0.21"],
                "agent_status": "online",
                "details": {"volumes": _volumes(("C:", 128, 60), ("S:", 896, 88))},
            },
            {
                "client": "Initech",
                "name": "INI-WS-PGIBBONS",
                "asset_type": "workstation",
                "manufacturer": "Dell Inc.",
                "model": "OptiPlex 7090",
                "serial_number": "9QWERT3",
                "os_name": "Windows 11 Enterprise",
                "os_version": "23H2",
                "cpu_model": "11th Gen Intel(R) Core(TM) i7-11700",
                "cpu_cores": 8,
                "ram_gb": 32,
                "storage_total_gb": 1024,
                "ip_addresses": ["172.16.4.77"],
                "last_user": "INITECH\\pgibbons",
                "agent_status": "offline",
            },
            {
                "client": "Initech",
                "name": "INI-PRN-2F",
                "asset_type": "printer",
                "manufacturer": "HP",
                "model": "LaserJet Enterprise M507dn",
                "serial_number": "PHBQB12345",
                "ip_addresses": ["172.16.6.20"],
            },
            {
                "client": "Vandelay Industries",
                "name": "VAN-MBP-ART",
                "asset_type": "workstation",
                "manufacturer": "Apple",
                "model": "MacBook Pro 14-inch (M3)",
                "serial_number": "C02ZK1ABMD6T",
                "os_name": "macOS Sonoma",
                "os_version": "14.4",
                "os_architecture": "arm64",
                "cpu_model": "Apple M3 Pro",
                "cpu_cores": 11,
                "ram_gb": 18,
                "storage_total_gb": 512,
                "last_user": "avandelay",
                "agent_status": "online",
            },
            {
                "client": "Vandelay Industries",
                "name": "VAN-MX67",
                "asset_type": "network_device",
                "manufacturer": "Cisco Meraki",
                "model": "MX67",
                "serial_number": "Q2FY-ABCD-1234",
                "ip_addresses": ["192.168.128.1"],
                "mac_addresses": ["E0:55:3D:01:02:03"],
                "agent_status": "online",
            },
            {
                "client": "Wayne Property Group",
                "name": "WPG-IPAD-LOBBY",
                "asset_type": "mobile",
                "manufacturer": "Apple",
                "model": "iPad (9th generation)",
                "serial_number": "DMPZ12ABCD34",
                "os_name": "iPadOS",
                "os_version": "17.3",
            },
            {
                "client": "Wayne Property Group",
                "name": "WPG-UPS-01",
                "asset_type": "other",
                "manufacturer": "APC",
                "model": "Smart-UPS 1500 (SMT1500RMI2UC)",
                "serial_number": "AS2231123456",
                "ip_addresses": ["10.20.0.5"],
            },
        ],
        "tickets": [
            {
                "title": "VPN drops every 30 minutes",
                "client": "Initech",
                "priority": "high",
                "status": "open",
                "board": "Service Desk",
                "created_by": "admin@globex.test",
                "assignee": "tech@globex.test",
                "assets": ["INI-WS-PGIBBONS"],
                "description": "Peter reports the VPN disconnects twice an hour when working from home.",
            },
            {
                "title": "SQL backup job failed on INI-SQL01",
                "client": "Initech",
                "priority": "urgent",
                "status": "in_progress",
                "board": "Alerts",
                "source": "ninjaone",
                "assignee": "tech@globex.test",
                "assets": ["INI-SQL01"],
                "description": "Condition: Windows event 208 from SQLSERVERAGENT (job 'Nightly full').",
                "notes": [("tech@globex.test", "S: is nearly full; moving old backups to the NAS.", True)],
                "work": [("tech@globex.test", 35, "Freed 120 GB on S:, re-ran the job")],
            },
            {
                "title": "Set up kiosk mode on the lobby iPad",
                "client": "Wayne Property Group",
                "priority": "low",
                "status": "closed",
                "board": "Projects",
                "created_by": "admin@globex.test",
                "assignee": "tech@globex.test",
                "assets": ["WPG-IPAD-LOBBY"],
                "close_note": "Guided Access enabled with the visitor sign-in app.",
            },
        ],
    },
]


def _seed_tenant(spec: dict[str, Any], created: Counter[str]) -> None:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == spec["slug"]))
    if tenant is None:
        tenant = Tenant(slug=spec["slug"], name=spec["name"])
        db.session.add(tenant)
        db.session.flush()
        created["tenants"] += 1

    users: dict[str, User] = {}
    for email, name, role in spec["users"]:
        user = db.session.scalar(select(User).where(User.tenant_id == tenant.id, User.email == email))
        if user is None:
            user = User(tenant_id=tenant.id, email=email, name=name, role=role)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            created["users"] += 1
        users[email] = user

    clients: dict[str, Client] = {}
    for name, notes in spec["clients"].items():
        client = db.session.scalar(select(Client).where(Client.tenant_id == tenant.id, Client.name == name))
        if client is None:
            client = Client(tenant_id=tenant.id, name=name, notes=notes)
            db.session.add(client)
            created["clients"] += 1
        clients[name] = client
    db.session.flush()

    for client_name, site_names in spec.get("sites", {}).items():
        client = clients[client_name]
        for site_name in site_names:
            if (
                db.session.scalar(
                    select(Site.id).where(
                        Site.tenant_id == tenant.id, Site.client_id == client.id, Site.name == site_name
                    )
                )
                is None
            ):
                db.session.add(Site(tenant_id=tenant.id, client_id=client.id, name=site_name))
    db.session.flush()

    assets: dict[str, Asset] = {}
    for fields in spec["assets"]:
        client = clients[fields["client"]]
        asset = db.session.scalar(
            select(Asset).where(
                Asset.tenant_id == tenant.id, Asset.client_id == client.id, Asset.name == fields["name"]
            )
        )
        if asset is None:
            online = fields.get("agent_status") == "online"
            asset = Asset(
                tenant_id=tenant.id,
                last_seen=utcnow() - timedelta(minutes=2 if online else 60 * 26),
                **{key: value for key, value in fields.items() if key != "client"},
                client_id=client.id,
            )
            db.session.add(asset)
            created["assets"] += 1
        assets[asset.name] = asset
    db.session.flush()

    for fields in spec["tickets"]:
        if db.session.scalar(
            select(Ticket).where(Ticket.tenant_id == tenant.id, Ticket.title == fields["title"])
        ):
            continue
        creator = users.get(fields.get("created_by", ""))
        ticket = ticketing.open_ticket(
            tenant.id,
            title=fields["title"],
            description=fields.get("description", ""),
            priority=fields["priority"],
            board=fields["board"],
            client_id=clients[fields["client"]].id,
            assignee_id=users[fields["assignee"]].id if "assignee" in fields else None,
            created_by=creator,
            source=fields.get("source", "web"),
            assets=[assets[name] for name in fields.get("assets", ())],
        )
        for author, body, internal in fields.get("notes", ()):
            ticketing.add_note(ticket, body, users.get(author or ""), internal=internal)
        for email, minutes, note in fields.get("work", ()):
            ticketing.log_work(ticket, users[email], minutes, note)
        worker = users.get(fields.get("assignee", "")) or creator
        if fields["status"] == "closed":
            ticketing.close_ticket(ticket, worker, fields.get("close_note"))
        else:
            ticketing.set_status(ticket, fields["status"], worker)
        created["tickets"] += 1


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Create the demo tenants (acme, globex) and their data; safe to run again."""
    created: Counter[str] = Counter()
    for spec in TENANTS:
        _seed_tenant(spec, created)
    db.session.commit()
    if created:
        click.echo("Created " + ", ".join(f"{count} {kind}" for kind, count in created.items()) + ".")
    else:
        click.echo("Demo data already present; nothing to do.")
    click.echo(f"Log in with workspace 'acme' or 'globex', e.g. admin@acme.test / {DEMO_PASSWORD}.")
