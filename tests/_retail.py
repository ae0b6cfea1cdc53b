"""A small retail export like the common online-retail files, built from custvalue's
simulator: invoices with several lines (quantity x unit price), cancelled lines with an
invoice prefix "C" and a negative quantity, rows without a customer id, and day/month
times ("01/12/2010 08:26")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custvalue.datasets import make_transactions

COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
TIME_FORMAT = "%d/%m/%Y %H:%M"
FLAGS = [
    "--customer-col", "CustomerID",
    "--time-col", "InvoiceDate",
    "--time-format", TIME_FORMAT,
    "--quantity-col", "Quantity",
    "--price-col", "UnitPrice",
    "--invoice-col", "InvoiceNo",
    "--cancel-prefix", "C",
]  # fmt: skip
OPTIONS = {
    "customer_col": "CustomerID",
    "time_col": "InvoiceDate",
    "time_format": TIME_FORMAT,
    "quantity_col": "Quantity",
    "price_col": "UnitPrice",
    "invoice_col": "InvoiceNo",
    "cancel_prefix": "C",
}


def retail_export(n_customers: int = 300, seed: int = 11) -> pd.DataFrame:
    """The export as a shop writes it (times as text, ids as text with blanks)."""
    rng = np.random.default_rng(seed)
    base = make_transactions(
        n_customers, start="2010-12-01", end="2011-12-09", product_lines=3, random_state=seed
    )
    base["timestamp"] = base["timestamp"].dt.floor("min")
    lines = []
    invoice = 536365
    for row in base.itertuples(index=False):
        n_lines = int(rng.integers(1, 4))
        for k in range(n_lines):
            qty = int(rng.integers(1, 12))
            price = round(float(row.amount) / n_lines / qty, 2) or 0.01
            lines.append(
                (str(invoice), f"{row.product}-{k}", qty, row.timestamp, price, row.customer_id)
            )
        invoice += 1
    df = pd.DataFrame(
        lines, columns=["InvoiceNo", "StockCode", "Quantity", "when", "UnitPrice", "cust"]
    )
    # cancel some lines: same item, negative quantity, a later time, invoice "C..."
    cancel = df.sample(frac=0.04, random_state=seed).copy()
    cancel["InvoiceNo"] = "C" + cancel["InvoiceNo"]
    cancel["Quantity"] = -cancel["Quantity"]
    cancel["when"] = cancel["when"] + pd.Timedelta(hours=2)
    df = pd.concat([df, cancel], ignore_index=True).sort_values("when", kind="stable")
    df["InvoiceDate"] = df["when"].dt.strftime(TIME_FORMAT)
    df["CustomerID"] = df["cust"].astype(str)
    blank = rng.random(len(df)) < 0.03
    df.loc[blank, "CustomerID"] = None
    df["Country"] = "United Kingdom"
    return df[COLUMNS].reset_index(drop=True)


def independent_spend(df: pd.DataFrame) -> pd.Series:
    """Net spend per customer computed with plain pandas: quantity x price summed, refunds
    (cancellations) included, rows without a customer left out."""
    known = df[df["CustomerID"].notna()]
    return (known["Quantity"] * known["UnitPrice"]).groupby(known["CustomerID"]).sum()


def independent_purchase_days(df: pd.DataFrame) -> pd.Series:
    """Distinct purchase days per customer, cancellations excluded (plain pandas)."""
    known = df[df["CustomerID"].notna() & ~df["InvoiceNo"].str.startswith("C")]
    day = pd.to_datetime(known["InvoiceDate"], format=TIME_FORMAT).dt.normalize()
    return day.groupby(known["CustomerID"]).nunique()
