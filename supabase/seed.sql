-- The demo shop: loaded by `supabase db reset`, and by the app on its first start
-- in development against an empty database (the app then issues and logs an API key).
INSERT INTO organizations (id, name, timezone, business_hours, authorized_owner_numbers, settings)
VALUES (
  '00000000-0000-4000-8000-00000000d3e0',
  'Pet Shop Demo Oxy',
  'America/Sao_Paulo',
  '{
    "1": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "2": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "3": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "4": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "5": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "6": {"open": "08:00", "close": "13:00"}
  }'::jsonb,
  ARRAY['+5511999990000'],
  '{"demo": true}'::jsonb
)
ON CONFLICT (id) DO NOTHING;

-- What the shop sells and who does it, so the assistant can show prices and book from the first message.
INSERT INTO resources (id, organization_id, name, kind, capacity)
VALUES
  ('00000000-0000-4000-8000-0000000d3e11', '00000000-0000-4000-8000-00000000d3e0', 'Banheira 1', 'bath_station', 1),
  ('00000000-0000-4000-8000-0000000d3e12', '00000000-0000-4000-8000-00000000d3e0', 'Banheira 2', 'bath_station', 1),
  ('00000000-0000-4000-8000-0000000d3e13', '00000000-0000-4000-8000-00000000d3e0', 'Carla (tosadora)', 'groomer', 1),
  ('00000000-0000-4000-8000-0000000d3e14', '00000000-0000-4000-8000-00000000d3e0', 'Dr. Paulo (veterinário)', 'vet', 1)
ON CONFLICT (id) DO NOTHING;

INSERT INTO services (id, organization_id, name, duration_min, price_cents, resource_kind)
VALUES
  ('00000000-0000-4000-8000-0000000d3e21', '00000000-0000-4000-8000-00000000d3e0', 'Banho', 60, 6000, 'bath_station'),
  ('00000000-0000-4000-8000-0000000d3e22', '00000000-0000-4000-8000-00000000d3e0', 'Tosa', 90, 8000, 'groomer'),
  ('00000000-0000-4000-8000-0000000d3e23', '00000000-0000-4000-8000-00000000d3e0', 'Consulta veterinária', 30, 15000, 'vet')
ON CONFLICT (id) DO NOTHING;
