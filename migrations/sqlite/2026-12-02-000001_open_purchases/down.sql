DROP TABLE open_purchases;
