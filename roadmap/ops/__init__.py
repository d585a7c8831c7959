"""Operations: commands an administrator runs against a deployment (``flask --app roadmap check``)."""
