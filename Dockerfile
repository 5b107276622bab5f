FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph graph
COPY api api
COPY loaders loaders
COPY cli cli
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["scholargraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
