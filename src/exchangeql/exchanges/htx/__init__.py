"""HTX, formerly Huobi (https://www.htx.com): the native adapter, public spot market data."""
