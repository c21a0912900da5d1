# exchangeql gateway: slim, non-root, no build tools in the final image.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/venv/bin/pip install --no-cache-dir ".[ccxt,postgres]"

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 exchangeql
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EXCHANGEQL_DATA_DIR=/home/exchangeql/data
USER exchangeql
WORKDIR /home/exchangeql
# The order journal (SQLite unless EXCHANGEQL_DATABASE_URL names PostgreSQL), tokens and paper state.
RUN mkdir -p /home/exchangeql/data
VOLUME ["/home/exchangeql/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
CMD ["exchangeql", "serve", "--host", "0.0.0.0", "--port", "8000"]
