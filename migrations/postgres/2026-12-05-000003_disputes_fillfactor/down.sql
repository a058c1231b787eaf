ALTER TABLE disputes RESET (fillfactor);
