-- When work on an item began (first entry into an in-progress state), in epoch ms.
ALTER TABLE items ADD COLUMN started INTEGER;
